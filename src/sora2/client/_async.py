"""`AsyncSora2Client`: the asyncio twin of `Sora2Client`, method for method."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncGenerator, AsyncIterator, Callable
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
from sora2.client._realtime import AsyncFeed, AsyncNoFeed, open_async_feed
from sora2.client._watch import Deadline, WatchState


class AsyncSora2Client:
    """A connection to a Sora2 platform for asyncio code.

    With a username and password it logs in on first use (or on `async with`), and again
    when the token expires; `AsyncSora2Client.from_token(url, token)` uses a token as it is.
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
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.token = token
        self.realtime = realtime
        self._login = login_of(username, password)
        self._timeout = make_timeout(timeout)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=self._timeout,
            transport=transport,
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT},
        )

    @classmethod
    def from_token(cls, base_url: str, token: str, **options: Any) -> Self:
        """A client that uses `token` as it is (no password: an expired token stays expired)."""
        return cls(base_url, token=token, **options)

    # --- lifecycle ------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        if self.token is None and self._login is not None:
            try:
                await self.login(self._login.username, self._login.password)
            except BaseException:
                await self.aclose()
                raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- authentication -------------------------------------------------------------------------

    async def login(self, username: str, password: str) -> User:
        """Log in; the token is kept (and used to log in again when it expires)."""
        response = await self._send(
            "POST", "/api/auth/login", json={"username": username, "password": password}
        )
        if not response.is_success:
            raise error_from_response(response)
        session = parse(LoginResponse, json_of(response))
        self.token = session.token
        self._login = login_of(username, password)
        return session.user

    def headers(self) -> dict[str, str]:
        """The `Authorization` header of the current token."""
        return dict(headers_for(self.token))

    async def me(self) -> User:
        """The user the token stands for."""
        return parse(User, json_of(await self._request("GET", "/api/auth/me")))

    # --- videos ---------------------------------------------------------------------------------

    async def create_video(
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
        files = None
        if input_reference is not None:
            files = {"input_reference": await asyncio.to_thread(image_file, input_reference)}
        response = await self._request("POST", "/api/videos", data=data, files=files)
        return parse(Video, json_of(response))

    async def get_video_status(self, video_id: VideoRef) -> Video:
        """The current state of one of my videos."""
        response = await self._request("GET", f"/api/videos/{video_id_of(video_id)}")
        return parse(Video, json_of(response))

    get_video = get_video_status

    async def list_videos(
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
        response = await self._request("GET", "/api/videos", params=params)
        return parse(VideoPage, json_of(response))

    async def iter_videos(self, page_size: int = 50, **filters: Any) -> AsyncIterator[Video]:
        """Every one of my videos (matching the `list_videos` filters), newest first."""
        offset, seen = 0, set[str]()
        while True:
            page = await self.list_videos(limit=page_size, offset=offset, **filters)
            for video in page.videos:
                if video.id not in seen:
                    seen.add(video.id)
                    yield video
            if not page.videos or len(page.videos) < page.limit:
                return
            offset += len(page.videos)

    async def remix_video(self, video_id: VideoRef, prompt: str) -> Video:
        """A new video from one of my completed videos and a new prompt."""
        path = f"/api/videos/{video_id_of(video_id)}/remix"
        return parse(Video, json_of(await self._request("POST", path, json={"prompt": prompt})))

    async def delete_video(self, video_id: VideoRef) -> None:
        """Delete one of my videos, with its files."""
        await self._request("DELETE", f"/api/videos/{video_id_of(video_id)}")

    async def models(self) -> list[Model]:
        """The models on offer, with their sizes, lengths and prices."""
        body = json_of(await self._request("GET", "/api/models"))
        return [parse(Model, item) for item in (body.get("models") or [])]

    # --- following a video ----------------------------------------------------------------------

    async def watch(
        self,
        video_id: VideoRef,
        *,
        poll_interval: float = 5,
        timeout: float | None = None,  # noqa: ASYNC109 (the same call as the sync client's)
    ) -> AsyncGenerator[Video, None]:
        """Yield the video now, then each time it changes, until it is completed or failed
        (Socket.IO events while connected, polls every `poll_interval` seconds otherwise).
        Close it (`contextlib.aclosing`) when leaving the loop early."""
        vid = video_id_of(video_id)
        deadline = Deadline(timeout, vid)
        state = WatchState(await self.get_video_status(vid))
        yield state.video
        if state.done:
            return
        feed = await self._open_feed(vid)
        try:
            while not state.done:
                wait = deadline.next_wait(connected=feed.connected, poll_interval=poll_interval)
                updates = await feed.get(wait)
                changed = state.apply(updates) if updates else await self._poll(state, vid)
                if changed is not None:
                    yield changed
        finally:
            await feed.close()

    async def wait_for_completion(
        self,
        video_id: VideoRef,
        poll_interval: float = 5,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (the same call as the sync client's)
        on_update: Callable[[Video], object] | None = None,
    ) -> Video:
        """Wait until the video is completed and return it; raise `VideoFailedError` if it
        failed. `on_update` is called with every new state."""
        video: Video | None = None
        async with contextlib.aclosing(
            self.watch(video_id, poll_interval=poll_interval, timeout=timeout)
        ) as updates:
            async for video in updates:
                if on_update is not None:
                    on_update(video)
        assert video is not None
        if video.is_failed:
            raise VideoFailedError(video)
        return video

    async def _open_feed(self, video_id: str) -> AsyncFeed:
        if not self.realtime:
            return AsyncNoFeed()
        timeout = self._timeout.connect or 10.0
        return await open_async_feed(
            base_url=self.base_url,
            token=lambda: self.token,
            video_id=video_id,
            connect_timeout=timeout,
        )

    async def _poll(self, state: WatchState, video_id: str) -> Video | None:
        try:
            return state.replace(await self.get_video_status(video_id))
        except TRANSIENT:
            return None

    # --- downloads ------------------------------------------------------------------------------

    async def download(
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
        response = await self._request("GET", path, params={"variant": variant}, stream=True)
        try:
            total, received = content_length(response), 0
            output = AtomicFile(target)
            try:
                with transport_errors(self.base_url):
                    # Local disk writes of 1 MiB are short; the network is what is awaited.
                    async for chunk in response.aiter_bytes(CHUNK_SIZE):
                        output.write(chunk)
                        received += len(chunk)
                        if on_progress is not None:
                            on_progress(received, total)
                output.commit()
            except BaseException:
                output.discard()
                raise
        finally:
            await response.aclose()
        return target

    async def download_video(self, video_id: VideoRef, output_path: str | os.PathLike[str]) -> Path:
        """Save a completed video's MP4 to `output_path`."""
        return await self.download(video_id, output_path, "video")

    # --- plumbing -------------------------------------------------------------------------------

    async def _request(
        self, method: str, path: str, *, stream: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """Send with the token; on a 401, log in again (if a password is known) and retry once."""
        if self.token is None and self._login is not None:
            await self.login(self._login.username, self._login.password)
        for attempt in (1, 2):
            response = await self._send(method, path, stream=stream, token=self.token, **kwargs)
            if response.is_success:
                return response
            if response.status_code == 401 and attempt == 1 and self._login is not None:
                await self.login(self._login.username, self._login.password)
                continue
            break
        raise error_from_response(response)

    async def _send(
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
            response = await self._http.send(request, stream=stream)
            if not response.is_success:
                try:
                    await response.aread()
                finally:
                    await response.aclose()
        return response
