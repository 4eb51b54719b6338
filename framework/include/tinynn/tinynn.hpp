#pragma once

// Everything tinynn offers, in one include.
#include "tinynn/autograd.hpp"
#include "tinynn/error.hpp"
#include "tinynn/ops.hpp"
#include "tinynn/random.hpp"
#include "tinynn/tensor.hpp"
