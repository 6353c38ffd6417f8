// How numbers, dates and statuses read in the UI.
import type { Model, VideoStatus } from "./types";

export const STATUS_LABELS: Record<VideoStatus, string> = {
  queued: "Queued",
  in_progress: "Generating",
  completed: "Ready",
  failed: "Failed",
};

export function isActive(status: VideoStatus): boolean {
  return status === "queued" || status === "in_progress";
}

const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2 });

export function price(model: Model | undefined, size: string, seconds: string): string | null {
  const perSecond = model?.price_per_second[size];
  if (perSecond === undefined) return null;
  return money.format(perSecond * Number(seconds));
}

export function orientation(size: string): "landscape" | "portrait" {
  const [width, height] = size.split("x").map(Number);
  return (width ?? 0) >= (height ?? 0) ? "landscape" : "portrait";
}

export function sizeLabel(size: string): string {
  return `${size.replace("x", " × ")} · ${orientation(size)}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function formatDate(unixSeconds: number | null): string {
  return unixSeconds === null ? "—" : dateTime.format(new Date(unixSeconds * 1000));
}

export function ago(unixSeconds: number, now = Date.now()): string {
  const seconds = Math.round(unixSeconds - now / 1000);
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ["year", 31_536_000],
    ["month", 2_592_000],
    ["week", 604_800],
    ["day", 86_400],
    ["hour", 3600],
    ["minute", 60],
  ];
  for (const [unit, size] of steps) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return Math.abs(seconds) < 10 ? "just now" : relative.format(seconds, "second");
}

export function bytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(0)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}
