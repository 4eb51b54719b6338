#pragma once

// The MPI ranks a program was started on (`mpirun -n N prog ...`, SPEC §8),
// behind a few functions so that nothing else needs <mpi.h>. Built without
// MPI (TINYNN_MPI off), or started without mpirun, the program is rank 0 of
// 1 and everything here is a no-op: nothing changes.
//
// With several ranks, compare() spreads its runs over them (runs.hpp) and
// fit() trains data-parallel when asked (trainer.hpp, FitOptions::ranks).

#include <span>
#include <string>

namespace tinynn::distributed {

// Whether this build has MPI.
bool built_with_mpi();

// Starts MPI when the process was started by an MPI launcher (mpirun,
// srun) and this build has MPI; else does nothing. Call it first, before any
// thread starts, with main's arguments. Calling it again does nothing.
void init(int* argc, char*** argv);

// Ends MPI: with status 0, bad input's 2 (the same on every rank) or an
// interrupt's 128 + signal (mpirun passes a Ctrl-C on to every rank), every
// rank finalizes together; with another the
// whole job is aborted with that status, so that no rank is left waiting on
// one that has gone. A no-op without MPI. Call it last.
void finish(int status);

// This process's rank, from 0, and the number of ranks: 0 and 1 without MPI.
int rank();
int size();

// Element-wise sums of `values` over the ranks, into `values` on every rank.
// The ranks' contributions are gathered and summed in rank order on each
// rank, so the result is the same bits on every rank and in every run with
// the same rank count, whatever algorithm MPI would have chosen.
void sum_over_ranks(std::span<float> values);
void sum_over_ranks(std::span<double> values);

// `values` of rank 0, on every rank.
void broadcast(std::span<float> values);

// Point-to-point messages of bytes between ranks (the compare runs' work
// and results); `tag` tells kinds apart.
void send(int to, int tag, const std::string& bytes);
// The next message for this rank from anyone: when `wait` is false and none
// is there, false at once.
bool receive(int& from, int& tag, std::string& bytes, bool wait);
// The next message from `from` with `tag`, waiting for it.
std::string receive_from(int from, int tag);

}  // namespace tinynn::distributed
