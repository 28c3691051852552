#pragma once
// PROMPTLAB_API marks what the SDK exports. promptlab's code is compiled with hidden visibility, so
// libpromptlab.so (what plugins link) and the `promptlab` command (which loads them) make visible
// exactly the classes and functions declared with this macro: the SDK's headers. Everything else is
// the host's own and may change between versions; a plugin that uses it does not link.
#define PROMPTLAB_API __attribute__((visibility("default")))
