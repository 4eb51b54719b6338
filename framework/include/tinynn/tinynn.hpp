#pragma once

// Everything tinynn offers, in one include.
#include "tinynn/autograd.hpp"
#include "tinynn/data.hpp"
#include "tinynn/error.hpp"
#include "tinynn/gradcheck.hpp"
#include "tinynn/memory.hpp"
#include "tinynn/nn.hpp"
#include "tinynn/ops.hpp"
#include "tinynn/optim.hpp"
#include "tinynn/random.hpp"
#include "tinynn/serialize.hpp"
#include "tinynn/tensor.hpp"
#include "tinynn/threads.hpp"
