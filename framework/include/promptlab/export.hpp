#pragma once
// Symbol visibility for libpromptlab and plugins.
#define PROMPTLAB_API __attribute__((visibility("default")))
