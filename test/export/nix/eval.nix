# Evaluates a generated NixOS module with stub-lib.nix: every option's default must pass its type,
# `set` (values a user would write in configuration.nix) must name declared options and pass their
# types, and the module's config is returned with mkIf/mkMerge/mkAfter/mkDefault resolved.
{
  module,
  name,
  set ? { },
}:
let
  lib = import ./stub-lib.nix;
  stub = n: { outPath = "/nix/store/stub-${n}"; };
  pkgs =
    builtins.listToAttrs (
      map (n: {
        name = n;
        value = stub n;
      }) [ "nodejs" "python3" "ruby" "bun" "deno" "php" "jre" ]
    )
    // builtins.listToAttrs (
      map (v: {
        name = "postgresql_${toString v}";
        value = stub "postgresql-${toString v}";
      }) (builtins.genList (i: i + 10) 30)
    );
  mod = import module;
  # Reading the options must not need config.
  decls =
    (mod {
      config = throw "reading the options needed config";
      inherit lib pkgs;
    }).options.services.${name};
  check =
    where: o: v:
    if o.type.check v then v else throw "${where}: ${builtins.toJSON v} is not a ${o.type.name}";
  withDefault = builtins.filter (n: decls.${n} ? default) (builtins.attrNames decls);
  defaults = builtins.listToAttrs (
    map (n: {
      name = n;
      value = check "default of ${n}" decls.${n} decls.${n}.default;
    }) withDefault
  );
  given = builtins.mapAttrs (
    n: v: if decls ? ${n} then check "services.${name}.${n}" decls.${n} v else throw "services.${name}.${n} is not an option"
  ) set;
  cfg = defaults // given;
  result = mod {
    config.services.${name} = cfg;
    inherit lib pkgs;
  };
  resolve =
    v:
    if builtins.isAttrs v then
      if (v._type or null) == "if" then
        (if builtins.isBool v.condition then (if v.condition then resolve v.content else null) else throw "mkIf needs a bool")
      else if (v._type or null) == "merge" then
        builtins.foldl' (a: b: a // b) { } (builtins.filter (x: x != null) (map resolve v.contents))
      else if (v._type or null) == "order" || (v._type or null) == "override" then
        resolve v.content
      else if v ? outPath then
        v.outPath
      else
        builtins.mapAttrs (n: resolve) v
    else if builtins.isList v then
      map resolve v
    else
      v;
in
{
  options = builtins.mapAttrs (n: o: {
    type = o.type.name;
    default = o.default or null;
    description = o.description or null;
  }) decls;
  # The option values, so that checking them is part of the evaluation.
  values = resolve cfg;
  config = resolve result.config;
}
