// The model catalogue (GET /api/models), fetched once per session.
import { useEffect, useState } from "preact/hooks";
import { api } from "./api";
import { onSessionChange } from "./session";
import type { Model } from "./types";

let pending: Promise<Model[]> | null = null;
onSessionChange(() => {
  pending = null;
});

export function loadModels(): Promise<Model[]> {
  if (!pending) {
    pending = api.models();
    pending.catch(() => {
      pending = null;
    });
  }
  return pending;
}

export function useModels(): { models: Model[] | null; error: unknown } {
  const [models, setModels] = useState<Model[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    loadModels().then(
      (list) => live && setModels(list),
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
    };
  }, []);
  return { models, error };
}
