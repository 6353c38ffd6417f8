// The build lands in the Python package (src/sora2/static/), which the server serves at `/`.
// The server sends a strict Content-Security-Policy: nothing may be inlined into index.html
// (no inline script or style), and no asset may become a data: URL.
import { defineConfig, loadEnv } from "vite";

export default defineConfig(({ mode }) => {
  // `npm run dev`: the UI with hot reload on :5173, in front of a running `sora2 serve`.
  const server = loadEnv(mode, ".", "SORA2_").SORA2_DEV_SERVER ?? "http://127.0.0.1:3000";
  return {
    build: {
      outDir: "../src/sora2/static",
      emptyOutDir: true,
      target: "es2022",
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      cssCodeSplit: false,
      reportCompressedSize: false,
    },
    server: {
      proxy: {
        "/api": server,
        "/health": server,
        "/socket.io": { target: server, ws: true },
      },
    },
  };
});
