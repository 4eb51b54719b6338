#pragma once

#include "tinynn/nn/activation.hpp"
#include "tinynn/nn/activation_table.hpp"
#include "tinynn/nn/functional.hpp"
#include "tinynn/nn/init.hpp"
#include "tinynn/nn/linear.hpp"
#include "tinynn/nn/loss.hpp"
#include "tinynn/nn/module.hpp"
#include "tinynn/nn/normalization.hpp"
#include "tinynn/nn/sequential.hpp"
