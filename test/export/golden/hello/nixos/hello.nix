# hello.nix: a NixOS module for hello.
# Written by `devenv export nixos` from devenv.json. Use it: put it next to configuration.nix,
# add ./hello.nix to `imports`, set
#   services.hello = { enable = true; package = <the app's files, as a package>; };
# and run nixos-rebuild switch. Needs NixOS 25.11 or later (postgresql.target).
{
  config,
  lib,
  pkgs,
  ...
}:

let
  cfg = config.services.hello;

  # The server's PostgreSQL over its socket, as role hello (peer authentication: no password).
  # systemd reads % in a unit's values as a specifier: %% here and in each environment is a %.
  databaseEnv = {
    DATABASE_URL = "postgresql://hello@/hello?host=%%2Frun%%2Fpostgresql";
    PGHOST = "/run/postgresql";
    PGUSER = "hello";
    PGDATABASE = "hello";
  };

  # Each process runs as a user made for it at start and named like the database role, so PostgreSQL's
  # peer authentication logs it in as that role. /var/lib/hello is its one writable directory.
  # The rest is hardening; no MemoryDenyWriteExecute: JIT runtimes (Node, the JVM) need that memory.
  serviceDefaults = {
    DynamicUser = true;
    User = "hello";
    StateDirectory = "hello";
    EnvironmentFile = lib.optional (cfg.environmentFile != null) cfg.environmentFile;
    ProtectSystem = "strict";
    ProtectHome = true;
    PrivateTmp = true;
    PrivateDevices = true;
    NoNewPrivileges = true;
    RestrictSUIDSGID = true;
    RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" ];
    RestrictNamespaces = true;
    RestrictRealtime = true;
    LockPersonality = true;
    ProtectClock = true;
    ProtectHostname = true;
    ProtectKernelTunables = true;
    ProtectKernelModules = true;
    ProtectKernelLogs = true;
    ProtectControlGroups = true;
    SystemCallArchitectures = "native";
    SystemCallFilter = [ "@system-service" ];
    SystemCallErrorNumber = "EPERM";
    UMask = "0077";
    CapabilityBoundingSet = "";
  };
in
{
  options.services.hello = {
    enable = lib.mkEnableOption "hello";

    package = lib.mkOption {
      type = lib.types.package;
      description = "The app's files: its processes run in them and find its bin/ on their PATH.";
    };

    path = lib.mkOption {
      type = lib.types.listOf lib.types.package;
      default = [ pkgs.nodejs ];
      defaultText = lib.literalExpression "[ pkgs.nodejs ]";
      description = "More packages on the processes' PATH (the default is guessed from their commands).";
    };

    port = lib.mkOption {
      type = lib.types.port;
      default = 3000;
      description = "Port of the web process (its PORT); Caddy forwards the domain to it.";
    };

    environment = lib.mkOption {
      type = lib.types.attrsOf lib.types.str;
      default = { };
      description = "More environment for every process; it wins over the values below. Not for secrets: the Nix store is world-readable.";
    };

    environmentFile = lib.mkOption {
      type = lib.types.nullOr lib.types.path;
      default = null;
      description = "A file of KEY=value lines (secrets), read by systemd when a process starts.";
    };

    domain = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      description = "Serve the web process on this domain through Caddy, which also gets its TLS certificate; null: no Caddy.";
    };
  };

  config = lib.mkIf cfg.enable {
    services.postgresql = {
      enable = true;
      ensureDatabases = [ "hello" ];
      ensureUsers = [ { name = "hello"; ensureDBOwnership = true; } ];
    };

    systemd.services.hello-web = {
      description = "hello: web";
      wantedBy = [ "multi-user.target" ];
      # postgresql.target: the server, and postgresql-setup done with the role and databases.
      requires = [ "postgresql.target" ];
      after = [ "postgresql.target" ];
      path = [ cfg.package ] ++ cfg.path;
      environment = databaseEnv // {
        PORT = toString cfg.port;
      } // cfg.environment;
      script = "exec node server.js";
      serviceConfig = serviceDefaults // {
        WorkingDirectory = "${cfg.package}";
        Restart = "on-failure";
        RestartSec = 3;
      };
    };

    # Caddy is the public side, TLS certificates included; open ports 80 and 443 in the firewall.
    services.caddy = lib.mkIf (cfg.domain != null) {
      enable = true;
      virtualHosts.${cfg.domain}.extraConfig = "reverse_proxy localhost:${toString cfg.port}";
    };
  };
}
