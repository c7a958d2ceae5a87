# Just enough of nixpkgs' lib to evaluate a generated NixOS module without nixpkgs (the tests run
# offline): options keep their declarations, mkIf/mkMerge/mkAfter/mkDefault keep their shape (eval.nix
# resolves them), and each type can check a value.
rec {
  mkOption = decl: decl // { _type = "option"; };
  mkEnableOption = name: mkOption {
    type = types.bool;
    default = false;
    description = "Whether to enable ${name}.";
  };
  mkIf = condition: content: {
    _type = "if";
    inherit condition content;
  };
  mkMerge = contents: {
    _type = "merge";
    inherit contents;
  };
  mkAfter = content: {
    _type = "order";
    inherit content;
  };
  mkDefault = content: {
    _type = "override";
    inherit content;
  };
  optional = condition: x: if condition then [ x ] else [ ];
  literalExpression = text: {
    _type = "literalExpression";
    inherit text;
  };

  types = {
    bool = {
      name = "bool";
      check = builtins.isBool;
    };
    str = {
      name = "str";
      check = builtins.isString;
    };
    port = {
      name = "port";
      check = v: builtins.isInt v && v >= 0 && v <= 65535;
    };
    package = {
      name = "package";
      check = v: builtins.isAttrs v && v ? outPath;
    };
    path = {
      name = "path";
      check = v: builtins.isPath v || (builtins.isString v && builtins.substring 0 1 v == "/");
    };
    nullOr = t: {
      name = "null or ${t.name}";
      check = v: v == null || t.check v;
    };
    listOf = t: {
      name = "list of ${t.name}";
      check = v: builtins.isList v && builtins.all t.check v;
    };
    attrsOf = t: {
      name = "attribute set of ${t.name}";
      check = v: builtins.isAttrs v && builtins.all t.check (builtins.attrValues v);
    };
  };
}
