import { useEffect, useState } from "preact/hooks";
import { api } from "./api";
import { AutoIcon, GridIcon, LogoIcon, MoonIcon, PlusIcon, SunIcon, UsersIcon } from "./components/icons";
import { Toasts, toast } from "./components/toasts";
import { startLive, stopLive, useLiveStatus } from "./live";
import { AccountPage } from "./pages/account";
import { EmptyState, Page } from "./pages/common";
import { CreatePage } from "./pages/create";
import { LibraryPage, readFilters } from "./pages/library";
import { LoginPage } from "./pages/login";
import { UsersPage } from "./pages/users";
import { VideoPage } from "./pages/video";
import { match, navigate, useLocation, type Location } from "./router";
import { begin, end, onSessionChange, session, type Session } from "./session";
import { applyTheme, savedTheme, type Theme } from "./theme";

export function App() {
  const [current, setCurrent] = useState<Session | null>(session);
  const [notice, setNotice] = useState<string | null>(null);
  const location = useLocation();

  useEffect(
    () =>
      onSessionChange((next, reason) => {
        setCurrent(next);
        if (!next) setNotice(reason);
      }),
    [],
  );

  // A restored session may have been revoked meanwhile: check it once (a 401 ends it).
  useEffect(() => {
    const restored = session();
    if (!restored) return;
    api.me().then(
      // Fresh user details (a name or role may have changed); still the same session?
      (user) => session()?.token === restored.token && user?.id && begin(restored.token, user),
      () => undefined,
    );
  }, []);

  useEffect(() => {
    if (current) startLive(current.token);
    else stopLive();
  }, [current?.token]);

  useEffect(() => {
    const offline = () => toast("You are offline. Changes will show once the connection is back.", "error");
    window.addEventListener("offline", offline);
    return () => window.removeEventListener("offline", offline);
  }, []);

  // Logged out anywhere but /login: go there (and come back after logging in). Logged in on
  // /login: go where the user was heading.
  const onLogin = location.path.startsWith("/login");
  useEffect(() => {
    if (!current && !onLogin) {
      const here = location.path + window.location.search;
      navigate(here === "/" ? "/login" : `/login?next=${encodeURIComponent(here)}`, { replace: true });
    } else if (current && onLogin) {
      navigate(location.query.get("next") ?? "/", { replace: true });
    }
  }, [current, onLogin]);

  if (!current) {
    return (
      <>
        {onLogin && <LoginPage notice={notice} />}
        <Toasts />
      </>
    );
  }
  if (onLogin) return null;
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Header session={current} path={location.path} />
      <Routes location={location} session={current} />
      <Toasts />
    </>
  );
}

function Routes({ location, session: current }: { location: Location; session: Session }) {
  const { path, query } = location;
  if (path === "/") return <LibraryPage filters={readFilters(query)} />;
  if (path === "/create") return <CreatePage from={query.get("from")} />;
  if (path === "/account") return <AccountPage />;
  if (path === "/users") {
    return current.user.is_admin ? <UsersPage /> : <NotFound />;
  }
  const video = match("/videos/:id", path);
  if (video?.id) return <VideoPage key={video.id} id={video.id} />;
  return <NotFound />;
}

function NotFound() {
  return (
    <Page title="Not found">
      <EmptyState icon={<GridIcon />} title="There is nothing here" level={1}>
        <a class="button" href="/">
          Go to the library
        </a>
      </EmptyState>
    </Page>
  );
}

function Header({ session: current, path }: { session: Session; path: string }) {
  const live = useLiveStatus();
  const [theme, setTheme] = useState<Theme>(savedTheme);
  const links: [string, string, preact.ComponentChild, boolean][] = [
    ["/", "Library", <GridIcon />, path === "/" || path.startsWith("/videos/")],
    ["/create", "New video", <PlusIcon />, path === "/create"],
  ];
  if (current.user.is_admin) links.push(["/users", "Users", <UsersIcon />, path === "/users"]);
  const nextTheme: Record<Theme, Theme> = { auto: "light", light: "dark", dark: "auto" };
  const liveLabel = { live: "Live", connecting: "Connecting…", offline: "Offline" }[live];

  return (
    <header class="topbar">
      <div class="topbar-inner">
        <a class="brand" href="/" aria-label="Sora2 home">
          <LogoIcon />
          <span class="brand-name">Sora2</span>
        </a>
        <nav class="nav" aria-label="Main">
          {links.map(([href, label, icon, active]) => (
            <a key={href} href={href} class={`nav-link ${active ? "active" : ""}`} aria-current={active ? "page" : undefined}>
              {icon}
              <span class="nav-label">{label}</span>
            </a>
          ))}
        </nav>
        <div class="topbar-right">
          <span class={`live live-${live}`} role="status" title={live === "live" ? "Updates arrive as they happen" : "Live updates are reconnecting"}>
            <span class="live-dot" aria-hidden="true" />
            <span class="live-label">{liveLabel}</span>
          </span>
          <button
            type="button"
            class="icon-button"
            aria-label={`Theme: ${theme}. Switch to ${nextTheme[theme]}`}
            title={`Theme: ${theme}`}
            onClick={() => {
              applyTheme(nextTheme[theme]);
              setTheme(nextTheme[theme]);
            }}
          >
            {theme === "light" ? <SunIcon /> : theme === "dark" ? <MoonIcon /> : <AutoIcon />}
          </button>
          <a class={`nav-link user-link ${path === "/account" ? "active" : ""}`} href="/account" aria-current={path === "/account" ? "page" : undefined}>
            <span class="avatar" aria-hidden="true">
              {current.user.username.slice(0, 1).toUpperCase()}
            </span>
            <span class="nav-label">{current.user.username}</span>
            <span class="visually-hidden"> — account</span>
          </a>
          <button type="button" class="button button-small button-quiet" onClick={() => end()}>
            Log out
          </button>
        </div>
      </div>
    </header>
  );
}
