#pragma once

#include "tinynn/data/dataset.hpp"
#include "tinynn/data/loader.hpp"
