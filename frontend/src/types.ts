// The REST API's shapes (docs/api.md). Field names are the wire names.

export type VideoStatus = "queued" | "in_progress" | "completed" | "failed";
export type Variant = "video" | "thumbnail" | "spritesheet";

export const STATUSES: readonly VideoStatus[] = ["queued", "in_progress", "completed", "failed"];

export interface Video {
  id: string;
  user_id: string;
  openai_video_id: string | null;
  prompt: string;
  model: string;
  size: string;
  seconds: string;
  status: VideoStatus;
  progress: number;
  created_at: number;
  completed_at: number | null;
  expires_at: number | null;
  error_message: string | null;
  remixed_from: string | null;
}

export interface VideoPage {
  videos: Video[];
  limit: number;
  offset: number;
}

export interface Model {
  id: string;
  description: string;
  sizes: string[];
  seconds: string[];
  default_size: string;
  default_seconds: string;
  price_per_second: Record<string, number>;
  supports_input_reference: boolean;
  supports_remix: boolean;
}

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

export interface MediaUrl {
  url: string;
  expires_at: number;
}

/** What a `video_update` event carries: some fields of a video, or `{deleted: true}`. */
export type VideoUpdates = Partial<Video> & { deleted?: boolean };

export interface VideoUpdateEvent {
  video_id: string;
  updates: VideoUpdates;
}
