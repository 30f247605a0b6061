// Talk to a Direct Line endpoint with Microsoft's own client (botframework-directlinejs):
//   node directlinejs_client.mjs <domain> <token> <websocket|polling> [text]
// Starts the token's conversation, posts `text` (default "help") and prints one JSON line:
//   {"mode", "conversationId", "postedId", "echo", "reply"} — the echo of our own activity (with its
//   clientActivityID) and the bot's first message after it. Exits 1 with a reason on failure.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// directlinejs is written for browsers: Node 20 has fetch but no XMLHttpRequest or WebSocket.
globalThis.XMLHttpRequest = require('xhr2');
globalThis.WebSocket = require('ws');
const { DirectLine, ConnectionStatus } = require('botframework-directlinejs');

const [domain, token, mode = 'websocket', text = 'help'] = process.argv.slice(2);
if (!domain || !token) {
  console.error('usage: node directlinejs_client.mjs <domain> <token> <websocket|polling> [text]');
  process.exit(2);
}

const fail = (reason) => {
  console.error(`directlinejs client (${mode}): ${reason}`);
  process.exit(1);
};
setTimeout(() => fail('timed out waiting for the bot'), 20000).unref();

const directLine = new DirectLine({ domain, token, webSocket: mode === 'websocket', pollingInterval: 300 });
const clientActivityID = `node-${Date.now()}`;
let postedId = null;
let echo = null;

directLine.connectionStatus$.subscribe((status) => {
  if (status === ConnectionStatus.FailedToConnect || status === ConnectionStatus.ExpiredToken) {
    fail(`connection status ${ConnectionStatus[status]}`);
  }
  if (status === ConnectionStatus.Online && postedId === null) {
    postedId = '';
    directLine
      .postActivity({
        type: 'message',
        text,
        from: { id: 'forged-user-id', name: 'Someone' },
        channelData: { clientActivityID },
      })
      .subscribe(
        (id) => { postedId = id; },
        (error) => fail(`postActivity failed: ${error && error.status} ${error && error.message}`),
      );
  }
});

directLine.activity$.subscribe((activity) => {
  if (activity.channelData && activity.channelData.clientActivityID === clientActivityID) {
    echo = activity;
  }
  if (echo && activity.from && activity.from.role === 'bot' && activity.replyToId === echo.id) {
    console.log(JSON.stringify({
      mode,
      conversationId: directLine.conversationId,
      postedId,
      echo: { id: echo.id, from: echo.from, text: echo.text, clientActivityID: echo.channelData.clientActivityID },
      reply: { id: activity.id, text: activity.text, replyToId: activity.replyToId, timestamp: activity.timestamp,
               attachments: (activity.attachments || []).length },
    }));
    directLine.end();
    process.exit(0);
  }
}, (error) => fail(`activity stream failed: ${error && error.message}`));
