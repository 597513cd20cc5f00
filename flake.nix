# looop for Nix (SPEC §11): `nix run`, `nix profile install`.
#
# The package is a launcher: Deno from nixpkgs runs looop's source (copied into the store) under
# the permission flags of deno.json's `looop` task, the same flags `deno task looop`, the tests
# and the release binaries use. The npm packages are not vendored into the store: Deno fetches
# them into its own cache (~/.cache/deno) on the first run, pinned by deno.lock.
{
  description = "looop: an autonomous control loop for agent-driven work";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: builtins.listToAttrs (map (system: { name = system; value = f system; }) systems);

      # Only what Deno needs to run looop: the config, the lock and the sources.
      root = ./.;
      relative = path:
        let
          full = toString path;
          skip = builtins.stringLength (toString root) + 1;
        in
        builtins.substring skip (builtins.stringLength full - skip) full;
      src = builtins.path {
        path = root;
        name = "looop-src";
        filter = path: _type:
          let rel = relative path;
          in rel == "deno.json" || rel == "deno.lock" || rel == "src" || builtins.substring 0 4 rel == "src/";
      };

      # The flags come from the `looop` task, which tools/tasks.ts writes from src/sys/permissions.ts.
      denoJson = builtins.fromJSON (builtins.readFile ./deno.json);
      permissionFlags = builtins.head (builtins.match "deno run (.*) src/main\\.ts" denoJson.tasks.looop);

      looopFor = pkgs:
        pkgs.writeShellScriptBin "looop" ''
          export DENO_NO_UPDATE_CHECK=1
          exec ${pkgs.deno}/bin/deno run --quiet ${permissionFlags} ${src}/src/main.ts "$@"
        '';
    in
    {
      packages = forAllSystems (system: rec {
        looop = looopFor nixpkgs.legacyPackages.${system};
        default = looop;
      });

      apps = forAllSystems (system: rec {
        looop = { type = "app"; program = "${self.packages.${system}.looop}/bin/looop"; };
        default = looop;
      });
    };
}
