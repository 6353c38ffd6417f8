"""`Sora2Client`: the synchronous SDK, a superset of the integration guide's example client."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from sora2.client._base import (
    CHUNK_SIZE,
    DEFAULT_BASE_URL,
    TRANSIENT,
    USER_AGENT,
    AtomicFile,
    ImageSource,
    ProgressCallback,
    VideoRef,
    content_length,
    create_form,
    error_from_response,
    headers_for,
    image_file,
    json_of,
    list_params,
    login_of,
    make_timeout,
    normalise_base_url,
    output_path_for,
    parse,
    transport_errors,
    video_id_of,
)
from sora2.client._exceptions import VideoFailedError
from sora2.client._models import LoginResponse, Model, User, Video, VideoPage
from sora2.client._realtime import Feed, NoFeed, open_feed
from sora2.client._watch import Deadline, WatchState


class Sora2Client:
    """A logged-in connection to a Sora2 platform.

    `Sora2Client("http://localhost:3000", "admin", "admin")` logs in at once (like the guide's
    client) and logs in again by itself when the token expires; `Sora2Client.from_token(url,
    token)` uses a token as it is. `timeout` (seconds) applies to every request.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        username: str | None = None,
        password: str | None = None,
        *,
        token: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        realtime: bool = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.token = token
        self.realtime = realtime
        self._login = login_of(username, password)
        self._timeout = make_timeout(timeout)
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=self._timeout,
            transport=transport,
            follow_redirects=True,  # a download may redirect to the bytes (the guide's curl -L)
            headers={"User-Agent": USER_AGENT},
        )
        if self._login is not None and token is None:
            try:
                self.login(self._login.username, self._login.password)
            except BaseException:
                self.close()
                raise

    @classmethod
    def from_token(cls, base_url: str, token: str, **options: Any) -> Self:
        """A client that uses `token` as it is (no password: an expired token stays expired)."""
        return cls(base_url, token=token, **options)

    # --- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the client's connections."""
        self._http.close()

    def __del__(self) -> None:
        # A client dropped without close() (as the guide's example does) still releases its
        # connections now, rather than leaving open sockets to the garbage collector.
        http: httpx.Client | None = getattr(self, "_http", None)
        if http is not None:
            http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- authentication -------------------------------------------------------------------------

    def login(self, username: str, password: str) -> User:
        """Log in; the token is kept (and used to log in again when it expires)."""
        response = self._send(
            "POST", "/api/auth/login", json={"username": username, "password": password}
        )
        if not response.is_success:
            raise error_from_response(response)
        session = parse(LoginResponse, json_of(response))
        self.token = session.token
        self._login = login_of(username, password)
        return session.user

    def headers(self) -> dict[str, str]:
        """The `Authorization` header of the current token (as the guide's client has it)."""
        return dict(headers_for(self.token))

    def me(self) -> User:
        """The user the token stands for."""
        return parse(User, json_of(self._request("GET", "/api/auth/me")))

    # --- videos ---------------------------------------------------------------------------------

    def create_video(
        self,
        prompt: str,
        model: str = "sora-2",
        size: str = "1280x720",
        seconds: str | int = "8",
        *,
        input_reference: ImageSource | None = None,
    ) -> Video:
        """Create a video job; `input_reference` is a first-frame image (path, bytes or file)."""
        data = create_form(prompt=prompt, model=model, size=size, seconds=seconds)
        files = (
            None if input_reference is None else {"input_reference": image_file(input_reference)}
        )
        return parse(Video, json_of(self._request("POST", "/api/videos", data=data, files=files)))

    def get_video_status(self, video_id: VideoRef) -> Video:
        """The current state of one of my videos."""
        return parse(Video, json_of(self._request("GET", f"/api/videos/{video_id_of(video_id)}")))

    get_video = get_video_status

    def list_videos(
        self,
        limit: int = 50,
        offset: int = 0,
        *,
        status: str | None = None,
        query: str | None = None,
        remixed_from: VideoRef | None = None,
    ) -> VideoPage:
        """One page of my videos, newest first (the server caps `limit`); optionally only
        those with a `status`, a prompt containing `query`, or remixing `remixed_from`."""
        params = list_params(limit, offset, status, query, remixed_from)
        return parse(VideoPage, json_of(self._request("GET", "/api/videos", params=params)))

    def iter_videos(self, page_size: int = 50, **filters: Any) -> Iterator[Video]:
        """Every one of my videos (matching the `list_videos` filters), newest first."""
        offset, seen = 0, set[str]()
        while True:
            page = self.list_videos(limit=page_size, offset=offset, **filters)
            for video in page.videos:
                # A video created meanwhile shifts the pages by one: skip what was already seen.
                if video.id not in seen:
                    seen.add(video.id)
                    yield video
            if not page.videos or len(page.videos) < page.limit:
                return
            offset += len(page.videos)

    def remix_video(self, video_id: VideoRef, prompt: str) -> Video:
        """A new video from one of my completed videos and a new prompt."""
        path = f"/api/videos/{video_id_of(video_id)}/remix"
        return parse(Video, json_of(self._request("POST", path, json={"prompt": prompt})))

    def delete_video(self, video_id: VideoRef) -> None:
        """Delete one of my videos, with its files."""
        self._request("DELETE", f"/api/videos/{video_id_of(video_id)}")

    def models(self) -> list[Model]:
        """The models on offer, with their sizes, lengths and prices."""
        body = json_of(self._request("GET", "/api/models"))
        return [parse(Model, item) for item in (body.get("models") or [])]

    # --- following a video ----------------------------------------------------------------------

    def watch(
        self, video_id: VideoRef, *, poll_interval: float = 5, timeout: float | None = None
    ) -> Generator[Video, None, None]:
        """Yield the video now, then each time it changes, until it is completed or failed.

        Changes come as Socket.IO `video_update` events while a socket is connected; the
        video is polled every `poll_interval` seconds when it is not. A server restart or a
        busy server is waited through; `timeout` (seconds) raises `WaitTimeoutError`."""
        vid = video_id_of(video_id)
        deadline = Deadline(timeout, vid)
        state = WatchState(self.get_video_status(vid))
        yield state.video
        if state.done:
            return
        feed = self._open_feed(vid)
        try:
            while not state.done:
                wait = deadline.next_wait(connected=feed.connected, poll_interval=poll_interval)
                updates = feed.get(wait)
                changed = state.apply(updates) if updates else self._poll(state, vid)
                if changed is not None:
                    yield changed
        finally:
            feed.close()

    def wait_for_completion(
        self,
        video_id: VideoRef,
        poll_interval: float = 5,
        *,
        timeout: float | None = None,
        on_update: Callable[[Video], object] | None = None,
    ) -> Video:
        """Wait until the video is completed and return it; raise `VideoFailedError` if it
        failed. `on_update` is called with every new state."""
        video: Video | None = None
        with contextlib.closing(
            self.watch(video_id, poll_interval=poll_interval, timeout=timeout)
        ) as updates:
            for video in updates:
                if on_update is not None:
                    on_update(video)
        assert video is not None
        if video.is_failed:
            raise VideoFailedError(video)
        return video

    def _open_feed(self, video_id: str) -> Feed:
        if not self.realtime:
            return NoFeed()
        timeout = self._timeout.connect or 10.0
        return open_feed(
            base_url=self.base_url, token=lambda: self.token, video_id=video_id, timeout=timeout
        )

    def _poll(self, state: WatchState, video_id: str) -> Video | None:
        try:
            return state.replace(self.get_video_status(video_id))
        except TRANSIENT:
            return None

    # --- downloads ------------------------------------------------------------------------------

    def download(
        self,
        video_id: VideoRef,
        output_path: str | os.PathLike[str] | None = None,
        variant: str = "video",
        *,
        on_progress: ProgressCallback | None = None,
    ) -> Path:
        """Save a completed video's `video`, `thumbnail` or `spritesheet` to `output_path`
        (a file, or a folder for `<id>.<ext>`); return the path. Streamed in constant memory
        and written atomically: a failed download leaves no file."""
        vid = video_id_of(video_id)
        target = output_path_for(output_path, vid, variant)
        path = f"/api/videos/{vid}/content"
        response = self._request("GET", path, params={"variant": variant}, stream=True)
        try:
            total, received = content_length(response), 0
            output = AtomicFile(target)
            try:
                with transport_errors(self.base_url):
                    for chunk in response.iter_bytes(CHUNK_SIZE):
                        output.write(chunk)
                        received += len(chunk)
                        if on_progress is not None:
                            on_progress(received, total)
                output.commit()
            except BaseException:
                output.discard()
                raise
        finally:
            response.close()
        return target

    def download_video(self, video_id: VideoRef, output_path: str | os.PathLike[str]) -> Path:
        """Save a completed video's MP4 to `output_path` (the guide's method)."""
        return self.download(video_id, output_path, "video")

    # --- plumbing -------------------------------------------------------------------------------

    def _request(
        self, method: str, path: str, *, stream: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """Send with the token; on a 401, log in again (if a password is known) and retry once."""
        if self.token is None and self._login is not None:
            self.login(self._login.username, self._login.password)
        for attempt in (1, 2):
            response = self._send(method, path, stream=stream, token=self.token, **kwargs)
            if response.is_success:
                return response
            if response.status_code == 401 and attempt == 1 and self._login is not None:
                self.login(self._login.username, self._login.password)
                continue
            break
        raise error_from_response(response)

    def _send(
        self,
        method: str,
        path: str,
        *,
        stream: bool = False,
        token: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One request. An error answer is read whole (for its message) and closed."""
        request = self._http.build_request(method, path, headers=headers_for(token), **kwargs)
        with transport_errors(self.base_url):
            response = self._http.send(request, stream=stream)
            if not response.is_success:
                try:
                    response.read()
                finally:
                    response.close()
        return response
