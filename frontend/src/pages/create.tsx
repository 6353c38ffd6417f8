import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, describe } from "../api";
import { ImageIcon } from "../components/icons";
import { toast, toastError } from "../components/toasts";
import { bytes, orientation, price } from "../format";
import { useModels } from "../models";
import { navigate } from "../router";
import type { Model } from "../types";
import { Page, Spinner } from "./common";

const MAX_PROMPT = 4000;
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"];
const isMac = /Mac|iPhone|iPad/.test(navigator.platform);

export function CreatePage({ from }: { from: string | null }) {
  const { models, error } = useModels();
  const [prompt, setPrompt] = useState("");
  const [modelId, setModelId] = useState("sora-2");
  const [size, setSize] = useState("1280x720");
  const [seconds, setSeconds] = useState("8");
  const [image, setImage] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const promptField = useRef<HTMLTextAreaElement>(null);

  const model: Model | undefined = models?.find((item) => item.id === modelId) ?? models?.[0];

  // `autofocus` only works on a page load; this page is usually reached by client navigation.
  const formShown = models !== null;
  useEffect(() => {
    if (formShown) promptField.current?.focus();
  }, [formShown]);

  // "Use this prompt" from a video: start from its prompt and settings.
  useEffect(() => {
    if (!from) return;
    api.getVideo(from).then(
      (video) => {
        setPrompt(video.prompt);
        setModelId(video.model);
        setSize(video.size);
        setSeconds(video.seconds);
      },
      toastError,
    );
  }, [from]);

  // Only valid combinations: a size or length the model lacks falls back to its default.
  useEffect(() => {
    if (!model) return;
    if (!model.sizes.includes(size)) setSize(model.default_size);
    if (!model.seconds.includes(seconds)) setSeconds(model.default_seconds);
    if (!model.supports_input_reference) setImage(null);
  }, [model, size, seconds]);

  async function submit(event?: Event) {
    event?.preventDefault();
    if (busy) return;
    if (!prompt.trim()) {
      setFormError("Describe the video you want in the prompt.");
      promptField.current?.focus();
      return;
    }
    setBusy(true);
    setFormError(null);
    const data = new FormData();
    data.set("prompt", prompt.trim());
    data.set("model", model?.id ?? modelId);
    data.set("size", size);
    data.set("seconds", seconds);
    if (image) data.set("input_reference", image, image.name);
    try {
      await api.createVideo(data);
      toast("Your video is on its way.", "success");
      navigate("/");
    } catch (failure) {
      setFormError(describe(failure));
      setBusy(false);
    }
  }

  const cost = price(model, size, seconds);
  const shortcut = isMac ? "⌘ Enter" : "Ctrl + Enter";

  return (
    <Page title="New video" class="create">
      <header class="page-header">
        <div>
          <h1>New video</h1>
          <p class="muted">Describe a scene; pick a model, a size and a length.</p>
        </div>
      </header>
      {error ? (
        <p class="form-error" role="alert">
          {describe(error)}
        </p>
      ) : !models ? (
        <Spinner label="Loading the models…" />
      ) : (
        <form
          ref={form}
          class="create-form"
          onSubmit={submit}
          onKeyDown={(event) => {
            if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) submit(event);
          }}
        >
          <div class="create-main">
            <label class="field">
              <span class="field-label">Prompt</span>
              <textarea
                name="prompt"
                rows={7}
                ref={promptField}
                maxLength={MAX_PROMPT}
                required
                placeholder="A cat riding a motorcycle through a neon-lit city at night, rain on the lens…"
                aria-describedby="prompt-count"
                value={prompt}
                onInput={(event) => setPrompt(event.currentTarget.value)}
              />
              <span id="prompt-count" class={`counter ${prompt.length > MAX_PROMPT * 0.9 ? "counter-warn" : ""}`}>
                {prompt.length.toLocaleString()} / {MAX_PROMPT.toLocaleString()} characters
              </span>
            </label>
            {model?.supports_input_reference && <ImagePicker image={image} onChange={setImage} size={size} />}
          </div>

          <div class="create-side">
            <fieldset class="choices">
              <legend>Model</legend>
              {models.map((item) => (
                <label key={item.id} class="choice choice-model">
                  <input type="radio" name="model" value={item.id} checked={item.id === model?.id} onChange={() => setModelId(item.id)} />
                  <span class="choice-box">
                    <strong>{item.id}</strong>
                    <span class="muted">{item.description}</span>
                  </span>
                </label>
              ))}
            </fieldset>

            <fieldset class={`choices ${(model?.sizes.length ?? 0) > 3 ? "choices-2" : "choices-inline"}`}>
              <legend>Size</legend>
              {model?.sizes.map((item) => (
                <label key={item} class="choice">
                  <input type="radio" name="size" value={item} checked={item === size} onChange={() => setSize(item)} />
                  <span class="choice-box choice-size">
                    <span class={`aspect aspect-${orientation(item)}`} aria-hidden="true" />
                    <span>{item.replace("x", "×")}</span>
                    <span class="visually-hidden">{orientation(item)}</span>
                  </span>
                </label>
              ))}
            </fieldset>

            <fieldset class="choices choices-inline">
              <legend>Duration</legend>
              {model?.seconds.map((item) => (
                <label key={item} class="choice">
                  <input type="radio" name="seconds" value={item} checked={item === seconds} onChange={() => setSeconds(item)} />
                  <span class="choice-box">{item} s</span>
                </label>
              ))}
            </fieldset>

            <div class="estimate" aria-live="polite">
              <span class="muted">Estimated cost</span>
              <strong class="estimate-value" data-testid="estimate">
                {cost ?? "—"}
              </strong>
              {model && (
                <span class="muted small">
                  {seconds} s × ${model.price_per_second[size]?.toFixed(2)}/s
                </span>
              )}
            </div>

            {formError && (
              <p class="form-error" role="alert">
                {formError}
              </p>
            )}
            <button class="button button-primary button-wide button-large" type="submit" disabled={busy}>
              {busy ? "Sending…" : "Generate video"}
            </button>
            <p class="muted small center">
              or press <kbd>{shortcut}</kbd>
            </p>
          </div>
        </form>
      )}
    </Page>
  );
}

function ImagePicker({ image, onChange, size }: { image: File | null; onChange: (file: File | null) => void; size: string }) {
  const [dragging, setDragging] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const preview = useMemo(() => (image ? URL.createObjectURL(image) : null), [image]);
  useEffect(() => () => void (preview && URL.revokeObjectURL(preview)), [preview]);

  function take(file: File | undefined) {
    if (!file) return;
    if (!IMAGE_TYPES.includes(file.type)) {
      setProblem("Choose a PNG, JPEG or WebP image.");
      return;
    }
    if (file.size > MAX_IMAGE_BYTES) {
      setProblem(`This image is ${bytes(file.size)}; the limit is 10 MB.`);
      return;
    }
    setProblem(null);
    onChange(file);
  }

  return (
    <div class="field">
      <span class="field-label" id="image-label">
        First frame <span class="muted">(optional)</span>
      </span>
      <div
        class={`dropzone ${dragging ? "dropzone-active" : ""} ${image ? "dropzone-filled" : ""}`}
        onDragEnter={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragOver={(event) => event.preventDefault()}
        onDragLeave={(event) => {
          if (event.currentTarget === event.target) setDragging(false);
        }}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          take(event.dataTransfer?.files[0]);
        }}
      >
        {image && preview ? (
          <div class="dropzone-preview">
            <img src={preview} alt="Preview of the first frame" />
            <div class="dropzone-info">
              <strong class="ellipsis">{image.name}</strong>
              <span class="muted small">
                {bytes(image.size)} · fitted to {size.replace("x", "×")}
              </span>
              <button
                type="button"
                class="button button-small"
                onClick={() => {
                  onChange(null);
                  if (input.current) input.current.value = "";
                }}
              >
                Remove image
              </button>
            </div>
          </div>
        ) : (
          <label class="dropzone-empty">
            <ImageIcon />
            <span>
              <span class="link-like">Choose an image</span> or drop it here
            </span>
            <span class="muted small">PNG, JPEG or WebP, up to 10 MB</span>
            <input
              ref={input}
              class="visually-hidden"
              type="file"
              name="input_reference"
              accept={IMAGE_TYPES.join(",")}
              aria-labelledby="image-label"
              onChange={(event) => take(event.currentTarget.files?.[0])}
            />
          </label>
        )}
      </div>
      {problem && (
        <p class="form-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
