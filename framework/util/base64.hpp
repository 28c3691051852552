#pragma once
// Base64 (RFC 4648, with padding), for data: URIs in the self-contained report.
#include <string>

namespace promptlab {

std::string base64_encoded(const std::string& bytes);

}  // namespace promptlab
