// The chat page: exchange the invitation token for a Direct Line token, then start Web Chat.
(function () {
  'use strict';
  var status = document.getElementById('status');
  var host = document.getElementById('webchat');

  function show(message, state) {
    status.hidden = false;
    status.textContent = message;
    status.dataset.state = state;
    status.className = 'chat-status' + (state === 'error' ? ' error' : '');
    status.setAttribute('role', state === 'error' ? 'alert' : 'status');
  }

  var invitation = new URLSearchParams(window.location.search).get('t');
  if (!invitation) {
    show('This page needs the link from your invitation e-mail. Please open that link again.', 'error');
    return;
  }
  if (!window.WebChat) {
    show('The chat component could not be loaded. Please reload the page.', 'error');
    return;
  }

  fetch('/chat/session', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    // The browser's language: the chat's first card is already in it (when we ship it).
    body: JSON.stringify({ invitation: invitation, locale: navigator.language || '' })
  })
    .then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var reason = body && body.error ? body.error : 'The chat could not start (error ' + response.status + ').';
          throw new Error(reason);
        }
        return body;
      });
    })
    .then(function (session) {
      var directLine = window.WebChat.createDirectLine({
        domain: session.domain,
        token: session.token,
        conversationId: session.conversationId
      });
      window.WebChat.renderWebChat(
        {
          directLine: directLine,
          userID: session.userId,
          locale: navigator.language || 'en-US',
          styleOptions: {
            accent: '#4b3fb5',
            botAvatarInitials: 'aA',
            botAvatarBackgroundColor: '#4b3fb5',
            userAvatarInitials: 'You',
            bubbleBorderRadius: 10,
            bubbleFromUserBorderRadius: 10,
            bubbleFromUserBackground: '#ebe9f6',
            hideUploadButton: true,
            sendBoxButtonColor: '#4b3fb5',
            rootHeight: '100%'
          }
        },
        host
      );
      status.hidden = true;
      status.dataset.state = 'ready';
      document.body.dataset.chat = 'ready';
      var input = host.querySelector('input, textarea');
      if (input) { input.focus(); }
    })
    .catch(function (error) {
      show(error.message || String(error), 'error');
    });
})();
