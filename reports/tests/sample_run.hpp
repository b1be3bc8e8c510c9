// A synthetic run that exercises every part of the model: a passing
// scenario with every event type (after seed 000's cop@hunet.jp session),
// a failing one with control bytes and markup in client lines, an error, a
// timeout with no name. Built fresh on each call so tests can compare writes.
#pragma once

#include <string>

#include "run_result.hpp"

namespace mailflow::reports::test {

run_result sample_run();

// Writes with one of the writers into a string.
std::string xml_of(const run_result& run);
std::string junit_of(const run_result& run);
std::string html_of(const run_result& run);

// Writes text to PROJECT_BINARY_DIR/reports/NAME and returns the path.
std::string save_artifact(const std::string& name, const std::string& text);

// True when text holds a byte below 0x20 other than TAB and LF, or DEL.
bool has_raw_control_bytes(const std::string& text);

}  // namespace mailflow::reports::test
