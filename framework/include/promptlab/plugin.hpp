#pragma once
// The plugin entry point. A plugin is libpromptlab_<name>.so + plugin.toml and
// exports exactly one C symbol, `promptlab_plugin_entry_v1`, via PROMPTLAB_PLUGIN.
#include <cstdint>

#include "promptlab/export.hpp"
#include "promptlab/registrar.hpp"
#include "promptlab/version.hpp"

#ifndef PROMPTLAB_TORCH_VERSION_STRING
#include <torch/version.h>
#define PROMPTLAB_TORCH_VERSION_STRING TORCH_VERSION
#endif

#define PROMPTLAB_STRINGIFY_INNER(x) #x
#define PROMPTLAB_STRINGIFY(x) PROMPTLAB_STRINGIFY_INNER(x)

/// promptlab version, LibTorch version and compiler: the host refuses a plugin whose
/// fingerprint differs from its own, since C++ objects cross the boundary.
#define PROMPTLAB_BUILD_FINGERPRINT                                                  \
  "promptlab-" PROMPTLAB_VERSION_STRING ";torch-" PROMPTLAB_TORCH_VERSION_STRING ";gcc-" PROMPTLAB_STRINGIFY( \
      __GNUC__) "." PROMPTLAB_STRINGIFY(__GNUC_MINOR__) ";cxxabi-" PROMPTLAB_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)

extern "C" {

/// Filled by the plugin; append fields only, and bump kPluginApiVersion when you do.
struct promptlab_plugin_info {
  std::uint32_t api_version;
  const char* name;
  const char* version;
  const char* build_fingerprint;
  /// Registers everything; returns 0 on success, else writes a message into `error`.
  int (*register_plugin)(promptlab::PluginRegistrar* registrar, char* error, std::uint64_t error_size);
};

}

/// The exported symbol's name.
#define PROMPTLAB_PLUGIN_ENTRY_SYMBOL "promptlab_plugin_entry_v1"

/// Defines the entry point. FUNC is `void FUNC(promptlab::PluginRegistrar&)`; any
/// exception it throws is caught and reported by the host with the plugin's file.
#define PROMPTLAB_PLUGIN(NAME, VERSION, FUNC)                                                   \
  static int promptlab_plugin_register_(promptlab::PluginRegistrar* r, char* err,               \
                                        std::uint64_t n) {                                      \
    try {                                                                                       \
      FUNC(*r);                                                                                 \
      return 0;                                                                                 \
    } catch (const std::exception& e) {                                                         \
      if (n > 0) {                                                                              \
        std::uint64_t i = 0;                                                                    \
        for (const char* p = e.what(); *p && i + 1 < n; ++p, ++i) err[i] = *p;                  \
        err[i] = 0;                                                                             \
      }                                                                                         \
      return 1;                                                                                 \
    } catch (...) {                                                                             \
      if (n > 0) err[0] = 0;                                                                    \
      return 2;                                                                                 \
    }                                                                                           \
  }                                                                                             \
  extern "C" PROMPTLAB_API const promptlab_plugin_info* promptlab_plugin_entry_v1() {           \
    static const promptlab_plugin_info info{promptlab::kPluginApiVersion, NAME, VERSION,       \
                                            PROMPTLAB_BUILD_FINGERPRINT,                        \
                                            &promptlab_plugin_register_};                       \
    return &info;                                                                               \
  }
