// Live updates over Socket.IO: `video_update` {video_id, updates} for this user's videos.
// Pages subscribe to updates, and to "resync" (every (re)connect), when they refetch what they
// show: events missed while disconnected are never replayed.
import { useEffect, useRef, useState } from "preact/hooks";
import { io, type Socket } from "socket.io-client";
import { api } from "./api";
import { session } from "./session";
import type { VideoUpdateEvent } from "./types";

export type LiveStatus = "connecting" | "live" | "offline";

let socket: Socket | null = null;
let status: LiveStatus = "offline";
let retryTimer: number | undefined;
let retryDelay = 1000;
const updateListeners = new Set<(event: VideoUpdateEvent) => void>();
const resyncListeners = new Set<() => void>();
const statusListeners = new Set<(status: LiveStatus) => void>();

function setStatus(next: LiveStatus): void {
  if (next === status) return;
  status = next;
  for (const listener of statusListeners) listener(status);
}

function isUpdate(data: unknown): data is VideoUpdateEvent {
  return (
    typeof data === "object" &&
    data !== null &&
    typeof (data as VideoUpdateEvent).video_id === "string" &&
    typeof (data as VideoUpdateEvent).updates === "object" &&
    (data as VideoUpdateEvent).updates !== null
  );
}

export function startLive(token: string): void {
  stopLive();
  setStatus("connecting");
  const connection = io({ path: "/socket.io", auth: { token }, transports: ["websocket", "polling"] });
  socket = connection;
  connection.on("connect", () => {
    retryDelay = 1000;
    setStatus("live");
    for (const listener of resyncListeners) listener();
  });
  connection.on("disconnect", () => setStatus(connection.active ? "connecting" : "offline"));
  connection.on("connect_error", () => {
    setStatus(connection.active ? "connecting" : "offline");
    if (connection.active) return; // the client retries by itself (network trouble)
    // The server refused the socket. If the token is dead, /api/auth/me says so and the session
    // ends (api.ts); otherwise try again a little later.
    api.me().catch(() => undefined);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(() => {
      if (socket === connection && session()) connection.connect();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30_000);
  });
  connection.on("video_update", (data: unknown) => {
    if (!isUpdate(data)) return;
    for (const listener of updateListeners) listener(data);
  });
}

export function stopLive(): void {
  window.clearTimeout(retryTimer);
  if (socket) {
    socket.removeAllListeners();
    socket.disconnect();
    socket = null;
  }
  setStatus("offline");
}

export function liveStatus(): LiveStatus {
  return status;
}

export function useLiveStatus(): LiveStatus {
  const [value, setValue] = useState(status);
  useEffect(() => {
    statusListeners.add(setValue);
    setValue(status);
    return () => statusListeners.delete(setValue);
  }, []);
  return value;
}

/** Call `handler` for every `video_update`; the latest handler is used (no resubscribing). */
export function useVideoUpdates(handler: (event: VideoUpdateEvent) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const listener = (event: VideoUpdateEvent) => latest.current(event);
    updateListeners.add(listener);
    return () => updateListeners.delete(listener);
  }, []);
}

/** Call `handler` after every (re)connection, to refetch what may have changed meanwhile. */
export function useResync(handler: () => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const listener = () => latest.current();
    resyncListeners.add(listener);
    return () => resyncListeners.delete(listener);
  }, []);
}
