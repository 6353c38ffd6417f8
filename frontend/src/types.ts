// The REST API's shapes (docs/api.md). Field names are the wire names.
//
// The video, a page of videos, a model on offer and a media link are the API's own schemas (the
// video and the model are defined once, in src/sora2/wire.py): api.gen.ts is generated from the
// OpenAPI document by `make types`, and a test fails when it is stale.
import type { components } from "./api.gen";

type Schemas = components["schemas"];

export type VideoStatus = Schemas["VideoStatus"];
export type Video = Schemas["VideoPublic"];
export type VideoPage = Schemas["VideoPage"];
export type Model = Schemas["ModelPublic"];
export type MediaUrl = Schemas["MediaUrlPublic"];
export type Variant = "video" | "thumbnail" | "spritesheet";

export const STATUSES: readonly VideoStatus[] = ["queued", "in_progress", "completed", "failed"];

export interface User {
  id: string;
  username: string;
  is_admin: boolean;
  created_at: number | null;
}

export interface Login {
  token: string;
  user: User;
}

/** What a `video_update` event carries: some fields of a video, or `{deleted: true}`. */
export type VideoUpdates = Partial<Video> & { deleted?: boolean };

export interface VideoUpdateEvent {
  video_id: string;
  updates: VideoUpdates;
}
