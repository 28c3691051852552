#pragma once
// plugin.toml: what a plugin declares, read before its registration is trusted.
//
// Format (every key but `name` and `version` is optional):
//
//   name = "gcscoop"                 # must equal the name in the plugin's entry point
//   version = "0.1.0"
//   description = "GCSAM step rule and the gcscoop method"
//   paper = "https://arxiv.org/abs/..."
//
//   [provides]                       # exactly what register_plugin() registers
//   learners = []
//   step_rules = ["gcsam"]
//   methods = ["gcscoop"]
//   datasets = []
//
//   [requires]                       # what its methods bind from other plugins
//   learners = ["coop"]              #   (the framework's own "sgd", kPlainStepRule, needs no entry)
//   step_rules = []
//
//   [methods.gcscoop]                # default config of a method, flattened to dotted keys
//   "gcsam.rho" = 0.1                # quoted dotted key ...
//   [methods.gcscoop.optim]
//   lr = 0.002                       # ... or a nested table: "optim.lr"
//
// Every [methods.<name>] table must name a method listed in [provides].methods.
#include <string>
#include <vector>

#include "registry/plugin_host.hpp"

namespace promptlab {

/// Parses plugin.toml text; throws ConfigError naming `source` (and the line) when malformed.
PluginManifest parse_manifest(const std::string& toml_text, const std::string& source);

/// Reads and parses a plugin.toml file; throws ConfigError naming the file.
PluginManifest read_manifest(const std::string& path);

/// What a plugin actually registered, to compare with its manifest.
struct Registered {
  std::vector<std::string> learners, step_rules, methods, datasets;
  std::vector<MethodSpec> method_specs;  // the methods' bindings (checked against [requires])
};

/// "" when `registered` matches the manifest's [provides] and every method binds a learner and a
/// step rule the plugin provides, lists in [requires], finds in `builtin` (the framework's
/// registrations) or that is kPlainStepRule; else a description of the mismatch.
std::string compare_with_manifest(const PluginManifest& manifest, const Registered& registered,
                                  const Registered& builtin = {});

}  // namespace promptlab
