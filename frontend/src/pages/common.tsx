// Small helpers shared by the pages.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Sora2` : "Sora2";
  }, [title]);
}

/** A page's main landmark; focus moves to it on navigation so screen readers announce it. */
export function Page({ title, children, class: className }: { title: string; children: ComponentChildren; class?: string }) {
  usePageTitle(title);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    // Not on the first load (the browser's own focus is right), only after client navigation;
    // a page that focuses a field of its own (the prompt, say) does so after this.
    if (document.body.dataset.navigated) ref.current?.focus({ preventScroll: true });
    document.body.dataset.navigated = "1";
    window.scrollTo(0, 0);
  }, [title]);
  return (
    <main id="main" ref={ref} class={`page ${className ?? ""}`} tabIndex={-1}>
      {children}
    </main>
  );
}

interface EmptyProps {
  icon: ComponentChildren;
  title: string;
  children?: ComponentChildren;
  /** 1 when the empty state is the whole page (its only heading). */
  level?: 1 | 2;
}

export function EmptyState({ icon, title, children, level = 2 }: EmptyProps) {
  const Heading = level === 1 ? "h1" : "h2";
  return (
    <div class="empty">
      <div class="empty-icon" aria-hidden="true">
        {icon}
      </div>
      <Heading class="empty-title">{title}</Heading>
      {children}
    </div>
  );
}

export function Spinner({ label = "Loading…" }: { label?: string }) {
  return (
    <div class="spinner-wrap" role="status">
      <span class="spinner" aria-hidden="true" />
      <span class="visually-hidden">{label}</span>
    </div>
  );
}
