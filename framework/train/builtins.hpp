#pragma once
// What the framework itself registers in the plugin host: the plain "sgd" step
// rule, the eleven reference datasets and the embedded suite.
namespace promptlab {

class PluginHost;

/// Registers the built-ins (owner "promptlab").
void register_builtins(PluginHost& host);

}  // namespace promptlab
