// What `up` imports only once postgres is on its way: the supervisor and the channels around it take tens
// of ms to load (chokidar, ...), and postgres boots meanwhile in its own process.
export async function supervisorModules() {
  const [supervisor, leftovers, reload, listener, session, hooks] = await Promise.all([
    import('../supervisor/supervisor.js'),
    import('./leftover-apps.js'),
    import('./config-reload.js'),
    import('./control-listener.js'),
    import('./control-session.js'),
    import('./hook-refresh.js'),
  ]);
  return {
    Supervisor: supervisor.Supervisor,
    reapLeftoverApps: leftovers.reapLeftoverApps,
    ConfigReload: reload.ConfigReload,
    CONFIG_FILES: reload.CONFIG_FILES,
    ControlListener: listener.ControlListener,
    ControlSession: session.ControlSession,
    HookRefresh: hooks.HookRefresh,
  };
}

export type Modules = Awaited<ReturnType<typeof supervisorModules>>;
