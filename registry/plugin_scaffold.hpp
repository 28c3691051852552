#pragma once
// `promptlab new-plugin`: the files of a new plugin project that builds against the installed SDK,
// with a method, its manifest and a unit test of its maths (docs/writing-a-plugin.md).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace promptlab {

/// What the skeleton holds: a learner (CoOp's, plus a loss term of its own), a step rule
/// (the training gradient, clipped in norm), or both bound into one method.
enum class ScaffoldKind { kLearner, kStepRule, kMethod };

/// "learner" | "step-rule" | "method"; anything else throws std::invalid_argument naming it.
ScaffoldKind parse_scaffold_kind(const std::string& text);

/// A plugin name is a lower-case identifier: [a-z][a-z0-9_]*, at most 40 characters. Anything
/// else throws std::invalid_argument naming it and saying why.
void check_plugin_name(const std::string& name);

/// The skeleton's files by path relative to the project folder.
std::map<std::string, std::string> scaffold_files(const std::string& name, ScaffoldKind kind);

/// Writes the skeleton into `folder` (created; it must not exist or must be empty, so nothing is
/// overwritten). Returns the files written.
std::vector<std::filesystem::path> write_scaffold(const std::filesystem::path& folder, const std::string& name,
                                                  ScaffoldKind kind);

}  // namespace promptlab
