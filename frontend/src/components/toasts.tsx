// Short messages in a polite live region: confirmations, and errors people can act on.
import { useEffect, useState } from "preact/hooks";
import { describe } from "../api";

export type ToastKind = "info" | "success" | "error";

interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

let nextId = 1;
const listeners = new Set<(toasts: Toast[]) => void>();
let toasts: Toast[] = [];

function publish(): void {
  for (const listener of listeners) listener(toasts);
}

export function toast(text: string, kind: ToastKind = "info"): void {
  // The same message twice in a row (a burst of failing calls) shows once.
  if (toasts.some((item) => item.text === text && item.kind === kind)) return;
  const item = { id: nextId++, kind, text };
  toasts = [...toasts.slice(-3), item];
  publish();
  window.setTimeout(() => dismiss(item.id), kind === "error" ? 8000 : 4000);
}

export function toastError(error: unknown): void {
  toast(describe(error), "error");
}

function dismiss(id: number): void {
  toasts = toasts.filter((item) => item.id !== id);
  publish();
}

export function Toasts() {
  const [items, setItems] = useState(toasts);
  useEffect(() => {
    listeners.add(setItems);
    return () => listeners.delete(setItems);
  }, []);
  return (
    <div class="toasts" role="status" aria-live="polite" aria-relevant="additions">
      {items.map((item) => (
        <div key={item.id} class={`toast toast-${item.kind}`} data-kind={item.kind}>
          <span class="toast-text">{item.text}</span>
          <button type="button" class="icon-button" aria-label="Dismiss" onClick={() => dismiss(item.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
