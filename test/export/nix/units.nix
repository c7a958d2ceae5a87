# The unit file nixpkgs writes for each service of a generated module, made here the way its
# nixos/lib/systemd-lib.nix makes it: Description= and every serviceConfig value as they are (true and
# false for booleans, one line per list item), and each environment entry as
# Environment=<"NAME=value" as a JSON string>. ExecStart= stands in for the script nixpkgs wraps.
# Takes the arguments of eval.nix; returns { evaluated = <what eval.nix returns>; units = { NAME = TEXT; }; }.
{
  module,
  name,
  set ? { },
}@args:
let
  evaluated = import ./eval.nix args;
  text =
    x:
    if x == true then
      "true"
    else if x == false then
      "false"
    else
      toString x;
  setting = name: v: map (x: "${name}=${text x}\n") (if builtins.isList v then v else [ v ]);
  unit =
    s:
    builtins.concatStringsSep "" (
      [
        "[Unit]\n"
        "Description=${s.description}\n"
        "[Service]\n"
        "ExecStart=/bin/true\n"
      ]
      ++ map (n: "Environment=${builtins.toJSON "${n}=${s.environment.${n}}"}\n") (
        builtins.attrNames s.environment
      )
      ++ builtins.concatLists (builtins.attrValues (builtins.mapAttrs setting s.serviceConfig))
    );
in
{
  inherit evaluated;
  units = builtins.mapAttrs (n: unit) (removeAttrs evaluated.config.systemd.services [ "postgresql-setup" ]);
}
