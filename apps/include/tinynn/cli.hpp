#pragma once

// The tinynn command as a library (SPEC §6): a program that registers its
// own models (models::register_model) and calls cli::main is the tinynn
// command with those models.

#include "tinynn/experiment/config.hpp"
#include "tinynn/models.hpp"

namespace tinynn::cli {

// `train`, `compare`, `eval` ... exactly as the tinynn command; returns its
// exit status (0, 1 a failed run, 2 bad input or usage).
int main(int argc, char** argv);

}  // namespace tinynn::cli
