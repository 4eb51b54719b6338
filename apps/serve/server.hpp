#pragma once

// tinynn serve's HTTP side (cpp-httplib): the embedded page and the JSON
// routes it drives a Session with. It serves nothing from the disk but the
// finished compare's report.html and compare.csv.

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "serve/session.hpp"
#include "serve/setup.hpp"

namespace httplib {
class Server;
}

namespace tinynn::cli::serve {

// The largest request body: a setup is a few hundred bytes. Larger ones are
// refused with 413 before they are read.
inline constexpr size_t kMaxBodyBytes = size_t{1} << 16;

class Server {
  public:
    // Compares go into `runs_root`/<name>, as `tinynn compare`'s default.
    explicit Server(Setup setup, std::filesystem::path runs_root = "runs");
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds `host`:`port` (0: a free port) and returns the port; throws
    // tinynn::Error naming the address when it cannot.
    int bind(const std::string& host, int port);
    // Answers requests until stop().
    void listen();
    // From any thread: listen() returns, and the compare in progress is
    // cancelled.
    void stop();

  private:
    void add_routes();

    Setup setup_;
    std::filesystem::path runs_root_;
    Session session_;
    std::unique_ptr<httplib::Server> http_;
    std::string host_;
    int port_ = 0;
    std::atomic<bool> listening_ = false;
};

}  // namespace tinynn::cli::serve
