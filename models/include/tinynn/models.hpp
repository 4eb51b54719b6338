#pragma once

// Model descriptions, the registry of named models and their init.
#include "tinynn/models/init.hpp"
#include "tinynn/models/registry.hpp"
#include "tinynn/models/spec.hpp"
