#include "tinynn/experiment/distributed.hpp"

#include <cstdlib>
#include <vector>

#include "tinynn/error.hpp"

#if TINYNN_MPI
#include <mpi.h>
#endif

namespace tinynn::distributed {

#if TINYNN_MPI

namespace {

bool started = false;
int world_rank = 0, world_size = 1;

// What launchers set in each process they start: Open MPI's mpirun, PMIx
// (Slurm's srun with --mpi=pmix), and PMI-1/2. Without one of them MPI_Init
// would start a singleton, which is slower and changes nothing.
bool launched_by_mpi() {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
        if (std::getenv(name))
            return true;
    return false;
}

void check(int code, const char* what) {
    if (code != MPI_SUCCESS)
        throw Error(std::string("MPI: ") + what + " failed (error code " + std::to_string(code) +
                    "); expected it to succeed");
}

// Every rank's `values`, then their sum in rank order.
template <class T>
void sum_in_rank_order(std::span<T> values, MPI_Datatype type) {
    if (world_size == 1 || values.empty())
        return;
    const auto n = static_cast<int>(values.size());
    std::vector<T> all(values.size() * static_cast<size_t>(world_size));  // [ranks, n]
    check(MPI_Allgather(values.data(), n, type, all.data(), n, type, MPI_COMM_WORLD),
          "MPI_Allgather");
    for (size_t i = 0; i < values.size(); ++i) {
        T sum = all[i];
        for (size_t r = 1; r < static_cast<size_t>(world_size); ++r)
            sum += all[r * values.size() + i];
        values[i] = sum;
    }
}

}  // namespace

bool built_with_mpi() {
    return true;
}

void init(int* argc, char*** argv) {
    if (started || !launched_by_mpi())
        return;
    int provided = 0;
    check(MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided), "MPI_Init_thread");
    started = true;
    check(MPI_Comm_rank(MPI_COMM_WORLD, &world_rank), "MPI_Comm_rank");
    check(MPI_Comm_size(MPI_COMM_WORLD, &world_size), "MPI_Comm_size");
    // Compare's workers each talk to rank 0 from their own thread.
    if (provided < MPI_THREAD_MULTIPLE && world_size > 1)
        throw Error("MPI: this MPI library gives thread level " + std::to_string(provided) +
                    "; expected MPI_THREAD_MULTIPLE (" + std::to_string(MPI_THREAD_MULTIPLE) +
                    "), which compare's threads need");
}

void finish(int status) {
    if (!started)
        return;
    started = false;
    // Bad input (2) is the same on every rank, and an interrupt (128 +
    // signal) reaches every rank from mpirun: they end together.
    if (status == 0 || status == 2 || status >= 128 || world_size == 1)
        MPI_Finalize();
    else
        MPI_Abort(MPI_COMM_WORLD, status);
}

int rank() {
    return world_rank;
}

int size() {
    return world_size;
}

void sum_over_ranks(std::span<float> values) {
    sum_in_rank_order(values, MPI_FLOAT);
}

void sum_over_ranks(std::span<double> values) {
    sum_in_rank_order(values, MPI_DOUBLE);
}

void broadcast(std::span<float> values) {
    if (world_size == 1 || values.empty())
        return;
    check(MPI_Bcast(values.data(), static_cast<int>(values.size()), MPI_FLOAT, 0, MPI_COMM_WORLD),
          "MPI_Bcast");
}

void send(int to, int tag, const std::string& bytes) {
    check(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD),
          "MPI_Send");
}

namespace {

std::string take(const MPI_Status& status) {
    int count = 0;
    check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
    std::string bytes(static_cast<size_t>(count), '\0');
    check(MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
                   MPI_STATUS_IGNORE),
          "MPI_Recv");
    return bytes;
}

}  // namespace

bool receive(int& from, int& tag, std::string& bytes, bool wait) {
    MPI_Status status;
    if (wait) {
        check(MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &status), "MPI_Probe");
    } else {
        int there = 0;
        check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &there, &status),
              "MPI_Iprobe");
        if (!there)
            return false;
    }
    from = status.MPI_SOURCE;
    tag = status.MPI_TAG;
    bytes = take(status);
    return true;
}

std::string receive_from(int from, int tag) {
    // MPI_Mprobe takes the message it found, so another thread of this rank
    // waiting for the same source and tag cannot receive it in between.
    MPI_Message message;
    MPI_Status status;
    check(MPI_Mprobe(from, tag, MPI_COMM_WORLD, &message, &status), "MPI_Mprobe");
    int count = 0;
    check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
    std::string bytes(static_cast<size_t>(count), '\0');
    check(MPI_Mrecv(bytes.data(), count, MPI_BYTE, &message, MPI_STATUS_IGNORE), "MPI_Mrecv");
    return bytes;
}

#else  // without MPI: one rank

bool built_with_mpi() {
    return false;
}

void init(int*, char***) {}

void finish(int) {}

int rank() {
    return 0;
}

int size() {
    return 1;
}

void sum_over_ranks(std::span<float>) {}

void sum_over_ranks(std::span<double>) {}

void broadcast(std::span<float>) {}

void send(int to, int, const std::string&) {
    throw Error("send: this build has no MPI (TINYNN_MPI off); expected a rank below 1, got " +
                std::to_string(to));
}

bool receive(int&, int&, std::string&, bool) {
    return false;
}

std::string receive_from(int from, int) {
    throw Error(
        "receive_from: this build has no MPI (TINYNN_MPI off); expected a rank below 1, "
        "got " +
        std::to_string(from));
}

#endif

}  // namespace tinynn::distributed
