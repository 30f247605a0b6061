"""Microsoft Graph: the calendar (getSchedule, events with a Teams meeting) and mail (sendMail).

App-only: the credential is one of azure-identity's async credentials (client secret, certificate
or managed identity, chosen in ``integrations.factory``), the client is the real ``msgraph-sdk``
``GraphServiceClient``. :class:`GraphConnection` owns the credential and the HTTP client; the app
closes it on shutdown.

Throttling (429) and unavailability (503/504): the SDK's retry handler retries in-process and
honours ``Retry-After``, but only while the wait is short (``GraphRetry.max_wait``, 10 s by default):
a job holding a lease must not sleep for minutes. A longer ``Retry-After``, or a throttle that
outlasts ``GraphRetry.max_retries``, becomes :class:`integrations.errors.TransientError` with
``after`` set to the server's ``Retry-After``, and the job runner retries the job then.

Holds of hand-offered slots are tentative events without attendees in the client's own calendar,
made with a ``transactionId`` like the interview's event and deleted (not cancelled: there is
nobody to tell) when the offer ends.

findMeetingTimes is not available with application permissions, so free time is computed here
from getSchedule's busy items with the domain's interval algebra (``scheduling.rules.free_slots``).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr, parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError, ServiceResponseError
from azure.identity import CredentialUnavailableError
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.kiota_client_factory import KiotaClientFactory
from kiota_http.middleware import RetryHandler
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.generated.models.attendee import Attendee as GraphAttendee
from msgraph.generated.models.attendee_type import AttendeeType
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.event import Event
from msgraph.generated.models.file_attachment import FileAttachment
from msgraph.generated.models.free_busy_status import FreeBusyStatus
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.location import Location
from msgraph.generated.models.message import Message
from msgraph.generated.models.online_meeting_provider_type import OnlineMeetingProviderType
from msgraph.generated.models.recipient import Recipient
from msgraph.generated.models.schedule_information import ScheduleInformation
from msgraph.generated.users.item.calendar.get_schedule.get_schedule_post_request_body import (
    GetSchedulePostRequestBody,
)
from msgraph.generated.users.item.events.item.cancel.cancel_post_request_body import CancelPostRequestBody
from msgraph.generated.users.item.send_mail.send_mail_post_request_body import SendMailPostRequestBody
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory

from integrations.calendar import (
    Attendee,
    CalendarEvent,
    CalendarUnavailable,
    EventNotFound,
    booked_time,
    hold_body,
    hold_subject,
)
from integrations.errors import IntegrationError, PermanentError, TransientError
from integrations.ics import follow_up_description, follow_up_summary, location_of, summary_of
from integrations.mail import MailMessage
from scheduling.intervals import Interval, intersect, merge
from scheduling.interview import FORMAT_LABELS, Format, InterviewView

__all__ = [
    "GRAPH_V1",
    "GraphCalendar",
    "GraphConnection",
    "GraphMail",
    "GraphRetry",
    "graph_error",
]

log = logging.getLogger(__name__)

GRAPH_V1 = "https://graph.microsoft.com/v1.0"

# getSchedule answers for at most 62 days at a time; longer windows are read in pieces.
SCHEDULE_MAX_SPAN = timedelta(days=62)
AVAILABILITY_VIEW_MINUTES = 15

# How free/busy statuses count. "unknown" is busy: time we could not check is not offered (fail
# closed). "workingElsewhere" is free: the person works, just not at the office.
_BUSY_STATUSES = {FreeBusyStatus.Busy, FreeBusyStatus.Tentative, FreeBusyStatus.Oof, FreeBusyStatus.Unknown}
# availabilityView digits: 0 free, 1 tentative, 2 busy, 3 oof, 4 workingElsewhere (anything else
# is unknown, so busy).
_FREE_VIEW_DIGITS = {"0", "4"}


@dataclass(frozen=True)
class GraphRetry:
    """How long a call may wait in-process for Graph to recover before handing back to the job runner.

    ``max_retries``: retries after the first attempt on 429/503/504 (the SDK's retry handler).
    ``max_wait``: the longest single wait honoured in-process; a longer ``Retry-After`` is not
    slept on but raised as ``TransientError(after=Retry-After)``.
    ``base_delay``: added to the SDK's exponential backoff when Graph gives no ``Retry-After``.
    """

    max_retries: int = 3
    max_wait: timedelta = timedelta(seconds=10)
    base_delay: timedelta = timedelta(seconds=1)


class _BoundedRetryHandler(RetryHandler):
    """The SDK's retry handler, but never sleeping longer than ``max_wait`` at a time."""

    def __init__(self, options: RetryHandlerOption, max_wait: timedelta) -> None:
        super().__init__(options)
        self._max_wait = max_wait.total_seconds()

    def get_delay_time(
        self,
        retry_count: int,
        response: httpx.Response | None = None,
        delay: float = RetryHandlerOption.DEFAULT_DELAY,
    ) -> float:
        wait = float(super().get_delay_time(retry_count, response, delay))
        if wait > self._max_wait:
            # The handler does not retry when the delay reaches MAX_DELAY: the response goes back
            # to us and becomes TransientError(after=Retry-After).
            return float(RetryHandlerOption.MAX_DELAY)
        return wait


class GraphConnection:
    """The Graph client of one app: a credential, an HTTP client and the SDK client on top.

    The bearer token goes only to the host of ``base_url`` (the SDK's allowed-hosts check), and the
    scope is derived from that host (``https://graph.microsoft.com/.default`` for the public cloud).
    """

    def __init__(
        self,
        credential: AsyncTokenCredential,
        *,
        base_url: str = GRAPH_V1,
        retry: GraphRetry | None = None,
        timeout: timedelta = timedelta(seconds=60),
    ) -> None:
        retry = retry or GraphRetry()
        parts = urlsplit(base_url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(f"GRAPH_BASE_URL is not a URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._credential = credential
        middleware = KiotaClientFactory.get_default_middleware(None)
        options = RetryHandlerOption(
            delay=retry.base_delay.total_seconds(), max_retries=retry.max_retries
        )
        middleware = [
            _BoundedRetryHandler(options, retry.max_wait) if isinstance(m, RetryHandler) else m
            for m in middleware
        ]
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout.total_seconds(), connect=min(30.0, timeout.total_seconds()))
        )
        self._http.base_url = httpx.URL(self.base_url)
        GraphClientFactory.create_with_custom_middleware(middleware, client=self._http)
        auth = AzureIdentityAuthenticationProvider(credential, allowed_hosts=[parts.hostname])
        adapter = GraphRequestAdapter(auth, client=self._http)
        adapter.base_url = self.base_url
        self.client = GraphServiceClient(request_adapter=adapter)

    async def close(self) -> None:
        await self._http.aclose()
        await self._credential.close()


# Errors -----------------------------------------------------------------------------------------


def _retry_after(headers: Any) -> timedelta | None:
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    try:
        return timedelta(seconds=max(0.0, float(value)))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(timedelta(0), when - datetime.now(UTC))


def _error_code(error: APIError) -> str:
    main = getattr(error, "error", None)
    code = getattr(main, "code", None)
    return str(code) if code else type(error).__name__


def graph_error(
    error: Exception, what: str, *, not_found: type[PermanentError] = PermanentError
) -> Exception:
    """The error to raise for a failed Graph call: TransientError, PermanentError, or ``error`` itself.

    Messages carry the status and Graph's error code, never addresses or subjects.
    """
    if isinstance(error, IntegrationError):
        return error
    if isinstance(error, APIError):
        status = error.response_status_code or 0
        detail = f"Microsoft Graph answered {status} {_error_code(error)} to {what}"
        if status in (429, 503, 504):
            return TransientError(detail, after=_retry_after(error.response_headers))
        if status >= 500:
            return TransientError(detail)
        if status == 404:
            return not_found(detail)
        return PermanentError(detail)
    if isinstance(error, CredentialUnavailableError):
        return TransientError(f"No Graph token for {what}: the credential is unavailable ({error.message})")
    if isinstance(error, ClientAuthenticationError):
        return PermanentError(
            f"Signing in to Microsoft Graph failed for {what}: check the GRAPH_* credential settings"
        )
    if isinstance(error, (httpx.TransportError, ServiceRequestError, ServiceResponseError)):
        return TransientError(f"Microsoft Graph could not be reached for {what} ({type(error).__name__})")
    return error


# Calendar ---------------------------------------------------------------------------------------


def _utc_naive_iso(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _dtz(dt: datetime) -> DateTimeTimeZone:
    return DateTimeTimeZone(date_time=_utc_naive_iso(dt), time_zone="UTC")


def _parse_dtz(value: DateTimeTimeZone | None) -> datetime:
    if value is None or not value.date_time:
        raise ValueError("a schedule item without a time")
    zone_name = (value.time_zone or "UTC").strip()
    # Graph writes seven fractional digits ("...T09:00:00.0000000"); Python reads at most six.
    text = value.date_time
    if "." in text:
        head, _, fraction = text.partition(".")
        text = f"{head}.{fraction[:6]}"
    local = datetime.fromisoformat(text)
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    if zone_name.upper() in ("UTC", "Z", "ETC/UTC", "COORDINATED UNIVERSAL TIME"):
        return local.replace(tzinfo=UTC)
    try:
        return local.replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"an unknown time zone in a schedule item ({zone_name})") from error


def _busy_from_schedule(info: ScheduleInformation, window: Interval) -> list[Interval]:
    if info.schedule_items is not None:
        busy: list[Interval] = []
        for item in info.schedule_items:
            if item.status is not None and item.status not in _BUSY_STATUSES:
                continue
            start, end = _parse_dtz(item.start), _parse_dtz(item.end)
            if end > start:
                busy.append(Interval(start, end))
        return busy
    if info.availability_view is not None:
        # No items (e.g. only free/busy shared): one digit per AVAILABILITY_VIEW_MINUTES from the start.
        step = timedelta(minutes=AVAILABILITY_VIEW_MINUTES)
        return [
            Interval(window.start + i * step, window.start + (i + 1) * step)
            for i, digit in enumerate(info.availability_view)
            if digit not in _FREE_VIEW_DIGITS
        ]
    raise ValueError("a schedule without items or availability view")


def _pieces(window: Interval, span: timedelta) -> list[Interval]:
    pieces = []
    start = window.start
    while start < window.end:
        end = min(window.end, start + span)
        pieces.append(Interval(start, end))
        start = end
    return pieces


def _event_body(view: InterviewView) -> str:
    lines = [f"Format: {FORMAT_LABELS[view.format]}"]
    if view.format is Format.ON_SITE and view.location:
        lines.append(f"Where: {view.location}")
    if view.format is Format.PHONE and view.location:
        lines.append(f"Phone: {view.location}")
    client = view.client.name + (f" ({view.client.organisation})" if view.client.organisation else "")
    lines += [
        f"Candidate: {view.candidate.name}",
        f"Interviewer: {client}",
        f"Recruiter: {view.recruiter.name}",
        "",
        f"Arranged by askARSAN on behalf of {view.recruiter.name}. "
        "To reschedule or cancel, use the links in askARSAN's messages.",
    ]
    return "<p>" + "<br>".join(html.escape(line) for line in lines) + "</p>"


def _event(view: InterviewView, attendees: Sequence[Attendee]) -> Event:
    booked = booked_time(view)
    event = Event(
        subject=summary_of(view),
        body=ItemBody(content_type=BodyType.Html, content=_event_body(view)),
        start=_dtz(booked.start),
        end=_dtz(booked.end),
        attendees=[
            GraphAttendee(
                email_address=EmailAddress(address=email, name=name), type=AttendeeType.Required
            )
            for name, email in attendees
        ],
        # Times are changed through askARSAN, which re-checks them; not by "propose new time".
        allow_new_time_proposals=False,
        show_as=FreeBusyStatus.Busy,
    )
    if view.format is Format.TEAMS:
        event.is_online_meeting = True
        event.online_meeting_provider = OnlineMeetingProviderType.TeamsForBusiness
    else:
        event.location = Location(display_name=location_of(view))
    return event


def _join_url(event: Event | None) -> str | None:
    meeting = event.online_meeting if event is not None else None
    return meeting.join_url if meeting is not None and meeting.join_url else None


class GraphCalendar:
    """:class:`integrations.calendar.CalendarGateway` on Microsoft Graph (app-only).

    Needs the application permission Calendars.ReadWrite (getSchedule needs Calendars.ReadBasic or
    more), restricted to the agency's mailboxes by an Exchange application access policy. Holds
    of offered slots are written to the client contact's own mailbox, so they need that mailbox
    inside the policy; a client mailbox Graph refuses gets no holds.
    """

    reads_free_busy = True
    holds_slots = True

    def __init__(self, connection: GraphConnection) -> None:
        self._graph = connection.client

    async def free_busy(self, mailbox: str, window: Interval) -> list[Interval]:
        busy: list[Interval] = []
        try:
            for piece in _pieces(window, SCHEDULE_MAX_SPAN):
                busy.extend(await self._schedule(mailbox, piece))
        except CalendarUnavailable:
            raise
        except Exception as error:
            mapped = graph_error(error, "a free/busy request")
            log.warning("free/busy unavailable: %s", mapped if mapped is not error else type(error).__name__)
            raise CalendarUnavailable(
                "I couldn't read that calendar just now, so I won't guess which times are free. "
                "Please add the slots by hand."
            ) from error
        return intersect(merge(busy), [window])

    async def _schedule(self, mailbox: str, window: Interval) -> list[Interval]:
        body = GetSchedulePostRequestBody(
            schedules=[mailbox],
            start_time=_dtz(window.start),
            end_time=_dtz(window.end),
            availability_view_interval=AVAILABILITY_VIEW_MINUTES,
        )
        config: RequestConfiguration[Any] = RequestConfiguration()
        config.headers.add("Prefer", 'outlook.timezone="UTC"')
        response = await self._graph.users.by_user_id(mailbox).calendar.get_schedule.post(
            body, request_configuration=config
        )
        schedules = (response.value if response is not None else None) or []
        info = next((s for s in schedules if (s.schedule_id or "").lower() == mailbox.lower()), None)
        if info is None and len(schedules) == 1:
            info = schedules[0]
        if info is None:
            raise CalendarUnavailable("That calendar could not be read: Graph returned no schedule for it.")
        if info.error is not None:
            code = info.error.response_code or "an error"
            log.warning("free/busy refused for a mailbox: %s", code)
            raise CalendarUnavailable(
                f"That calendar could not be read ({code}), so I won't guess which times are free. "
                "Please add the slots by hand."
            )
        return _busy_from_schedule(info, window)

    async def create_event(
        self,
        view: InterviewView,
        *,
        organizer: str,
        attendees: Sequence[Attendee],
        transaction_id: str,
    ) -> CalendarEvent:
        event = _event(view, attendees)
        # Graph answers a repeated transactionId with the event it already made: a retry after a
        # timeout (by the SDK's retry handler or by the job runner) makes no second event.
        event.transaction_id = transaction_id
        user = self._graph.users.by_user_id(organizer)
        try:
            created = await user.events.post(event)
            if created is None or not created.id:
                raise TransientError("Microsoft Graph created the event but returned no id")
            join_url = _join_url(created)
            if view.format is Format.TEAMS and join_url is None:
                # The Teams meeting can be attached a moment after the create: read it back once.
                join_url = _join_url(await user.events.by_event_id(created.id).get())
        except Exception as error:
            raise graph_error(error, "an event create") from error
        log.info("calendar event created for interview %s", view.id)
        return CalendarEvent(created.id, join_url)

    async def update_event(
        self, event_id: str, view: InterviewView, *, organizer: str, attendees: Sequence[Attendee]
    ) -> CalendarEvent:
        event = _event(view, attendees)
        try:
            updated = await self._graph.users.by_user_id(organizer).events.by_event_id(event_id).patch(event)
        except Exception as error:
            raise graph_error(error, "an event update", not_found=EventNotFound) from error
        log.info("calendar event updated for interview %s", view.id)
        return CalendarEvent(event_id, _join_url(updated) or view.join_url)

    async def cancel_event(self, event_id: str, *, organizer: str, comment: str | None = None) -> None:
        body = CancelPostRequestBody(comment=comment or "This interview has been cancelled.")
        try:
            await self._graph.users.by_user_id(organizer).events.by_event_id(event_id).cancel.post(body)
        except Exception as error:
            mapped = graph_error(error, "an event cancel", not_found=EventNotFound)
            if isinstance(mapped, EventNotFound):
                return  # already cancelled or deleted: a retried cancel is done
            raise mapped from error

    async def create_hold(
        self, view: InterviewView, slot: Interval, *, mailbox: str, transaction_id: str
    ) -> str | None:
        """A tentative event in ``mailbox``'s own calendar for one offered slot: no attendees (it
        invites nobody), no reminder, and the same event again for a repeated ``transaction_id``."""
        event = Event(
            subject=hold_subject(view),
            body=ItemBody(content_type=BodyType.Html, content=f"<p>{html.escape(hold_body(view))}</p>"),
            start=_dtz(slot.start),
            end=_dtz(slot.end),
            show_as=FreeBusyStatus.Tentative,
            is_reminder_on=False,
            transaction_id=transaction_id,
        )
        try:
            created = await self._graph.users.by_user_id(mailbox).events.post(event)
        except Exception as error:
            raise graph_error(error, "a hold create") from error
        if created is None or not created.id:
            raise TransientError("Microsoft Graph created the hold but returned no id")
        log.info("calendar hold made for interview %s", view.id)
        return created.id

    async def create_follow_up(
        self, view: InterviewView, slot: Interval, *, mailbox: str, transaction_id: str
    ) -> str | None:
        """The recruiter's follow-up hold after the interview, in their own calendar: no attendees
        (it invites nobody), busy, a reminder at its start, and the same event again for a
        repeated ``transaction_id``. Deleted by :meth:`release_hold`."""
        event = Event(
            subject=follow_up_summary(view),
            body=ItemBody(
                content_type=BodyType.Html,
                content="<p>" + "<br>".join(
                    html.escape(line) for line in follow_up_description(view).split("\n")
                ) + "</p>",
            ),
            start=_dtz(slot.start),
            end=_dtz(slot.end),
            show_as=FreeBusyStatus.Busy,
            is_reminder_on=True,
            reminder_minutes_before_start=0,
            transaction_id=transaction_id,
        )
        try:
            created = await self._graph.users.by_user_id(mailbox).events.post(event)
        except Exception as error:
            raise graph_error(error, "a follow-up hold create") from error
        if created is None or not created.id:
            raise TransientError("Microsoft Graph created the follow-up hold but returned no id")
        log.info("follow-up hold made for interview %s", view.id)
        return created.id

    async def release_hold(self, hold_id: str, *, mailbox: str) -> None:
        """Delete the hold (it has no attendees, so nobody is sent a cancellation)."""
        try:
            await self._graph.users.by_user_id(mailbox).events.by_event_id(hold_id).delete()
        except Exception as error:
            mapped = graph_error(error, "a hold delete", not_found=EventNotFound)
            if isinstance(mapped, EventNotFound):
                return  # deleted already (by a retry, or by the client in Outlook)
            raise mapped from error


# Mail -------------------------------------------------------------------------------------------


def _recipient(address: str) -> Recipient:
    name, addr = parseaddr(address)
    if not addr or "@" not in addr:
        raise PermanentError("A recipient is not an e-mail address")
    return Recipient(email_address=EmailAddress(address=addr, name=name or None))


class GraphMail:
    """:class:`integrations.mail.MailGateway` on Graph ``sendMail``, as the agency's sending mailbox.

    Needs the application permission Mail.Send, restricted to the sending mailbox by an Exchange
    application access policy. Graph keeps one body, so the HTML part is sent (the plain text is the
    SMTP and outbox gateways' alternative); attachments (the ``.ics``) go as fileAttachments.

    Idempotency: sendMail has no de-duplication key and cannot be taken back, so, as with SMTP, the
    job runner marks the job done after a successful send. The SDK retries a 429/503 that Graph
    answered before accepting the message, which does not send it twice.
    """

    def __init__(self, connection: GraphConnection, *, sender: str, save_to_sent_items: bool = True) -> None:
        _, mailbox = parseaddr(sender)
        if "@" not in mailbox:
            raise ValueError("The Graph sending mailbox must be an e-mail address.")
        self.sender = mailbox
        self.save_to_sent_items = save_to_sent_items
        self._graph = connection.client

    def __repr__(self) -> str:
        return "GraphMail()"

    async def send(self, msg: MailMessage) -> None:
        message = Message(
            subject=msg.subject,
            body=ItemBody(content_type=BodyType.Html, content=msg.html),
            to_recipients=[_recipient(a) for a in msg.to],
            attachments=[
                FileAttachment(name=a.filename, content_type=a.content_type, content_bytes=a.data)
                for a in msg.attachments
            ],
        )
        body = SendMailPostRequestBody(message=message, save_to_sent_items=self.save_to_sent_items)
        try:
            await self._graph.users.by_user_id(self.sender).send_mail.post(body)
        except Exception as error:
            raise graph_error(error, "a sendMail") from error
        log.info("mail sent through Graph (key %s)", "set" if msg.idempotency_key else "none")
