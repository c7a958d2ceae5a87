# shop.nix: a NixOS module for shop.
# Written by `devenv export nixos` from devenv.json. Use it: put it next to configuration.nix,
# add ./shop.nix to `imports`, set
#   services.shop = { enable = true; package = <the app's files, as a package>; };
# and run nixos-rebuild switch. Needs NixOS 25.11 or later (postgresql.target).
{
  config,
  lib,
  pkgs,
  ...
}:

let
  cfg = config.services.shop;

  # The server's PostgreSQL over its socket, as role shop_app (peer authentication: no password).
  # systemd reads % in a unit's values as a specifier: %% here and in each environment is a %.
  databaseEnv = {
    DATABASE_URL = "postgresql://shop_app@/shop?host=%%2Frun%%2Fpostgresql";
    PGHOST = "/run/postgresql";
    PGUSER = "shop_app";
    PGDATABASE = "shop";
  };

  # Each process runs as a user made for it at start and named like the database role, so PostgreSQL's
  # peer authentication logs it in as that role. /var/lib/shop is its one writable directory.
  # The rest is hardening; no MemoryDenyWriteExecute: JIT runtimes (Node, the JVM) need that memory.
  serviceDefaults = {
    DynamicUser = true;
    User = "shop_app";
    StateDirectory = "shop";
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
  options.services.shop = {
    enable = lib.mkEnableOption "shop";

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
      default = 8000;
      description = "Port of the web process (its PORT); Caddy forwards the domain to it.";
    };

    environment = lib.mkOption {
      type = lib.types.attrsOf lib.types.str;
      default = { };
      description = "More environment for every process; it wins over the values below. Not for secrets: the Nix store is world-readable.";
    };

    # The project's .env has SESSION_SECRET, SMTP_URL: production values go in this file.
    environmentFile = lib.mkOption {
      type = lib.types.nullOr lib.types.path;
      default = null;
      description = "A file of KEY=value lines (secrets), read by systemd when a process starts.";
    };

    domain = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = "shop.example.com";
      description = "Serve the web process on this domain through Caddy, which also gets its TLS certificate; null: no Caddy.";
    };
  };

  config = lib.mkIf cfg.enable {
    services.postgresql = {
      enable = true;
      # postgres.version in devenv.json.
      package = lib.mkDefault pkgs.postgresql_15;
      ensureDatabases = [ "shop" "shop_jobs" ];
      ensureUsers = [ { name = "shop_app"; } ];
    };

    # What ensureDatabases and ensureUsers do not do (owners other than a same-named role,
    # extensions), as postgres right after them, at every start:
    systemd.services.postgresql-setup.script = lib.mkAfter ''
      psql -v ON_ERROR_STOP=1 -c 'ALTER DATABASE "shop" OWNER TO "shop_app"'
      psql -v ON_ERROR_STOP=1 -c 'ALTER DATABASE "shop_jobs" OWNER TO "shop_app"'
      psql -v ON_ERROR_STOP=1 -d 'dbname=shop' -c 'CREATE EXTENSION IF NOT EXISTS "pgcrypto"'
      psql -v ON_ERROR_STOP=1 -d 'dbname=shop' -c 'CREATE EXTENSION IF NOT EXISTS "citext"'
      psql -v ON_ERROR_STOP=1 -d 'dbname=shop_jobs' -c 'CREATE EXTENSION IF NOT EXISTS "pgcrypto"'
      psql -v ON_ERROR_STOP=1 -d 'dbname=shop_jobs' -c 'CREATE EXTENSION IF NOT EXISTS "citext"'
    '';

    systemd.services.shop-web = {
      description = "shop: web";
      wantedBy = [ "multi-user.target" ];
      # postgresql.target: the server, and postgresql-setup done with the role and databases.
      requires = [ "postgresql.target" ];
      after = [ "postgresql.target" ];
      path = [ cfg.package ] ++ cfg.path;
      environment = databaseEnv // {
        PORT = toString cfg.port;
        NODE_ENV = "production";
        GREETING = "hello, world";
      } // cfg.environment;
      script = "exec node server.js --port $PORT";
      serviceConfig = serviceDefaults // {
        WorkingDirectory = "${cfg.package}";
        Restart = "on-failure";
        RestartSec = 3;
      };
    };

    systemd.services.shop-worker = {
      description = "shop: worker";
      wantedBy = [ "multi-user.target" ];
      requires = [ "postgresql.target" ];
      after = [ "postgresql.target" ];
      path = [ cfg.package ] ++ cfg.path;
      environment = databaseEnv // {
        QUEUE = "default";
      } // cfg.environment;
      script = "exec node jobs.js";
      serviceConfig = serviceDefaults // {
        WorkingDirectory = "${cfg.package}/worker";
        # restart: always in devenv.json, also after a clean exit.
        Restart = "always";
        RestartSec = 3;
        TimeoutStopSec = "10s"; # stopGraceMs in devenv.json
      };
    };

    # Caddy is the public side, TLS certificates included; open ports 80 and 443 in the firewall.
    services.caddy = lib.mkIf (cfg.domain != null) {
      enable = true;
      virtualHosts.${cfg.domain}.extraConfig = "reverse_proxy localhost:${toString cfg.port}";
    };
  };
}
