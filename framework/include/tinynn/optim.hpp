#pragma once

#include "tinynn/optim/adam.hpp"
#include "tinynn/optim/optimizer.hpp"
#include "tinynn/optim/scheduler.hpp"
#include "tinynn/optim/sgd.hpp"
