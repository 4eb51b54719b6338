#pragma once

#include "tinynn/optim/optimizer.hpp"
#include "tinynn/optim/sgd.hpp"
