// tinynn serve without a browser: what the server serves and refuses, the
// setup's messages, and one compare at a time. tests/serve/serve_page.py
// drives the page itself in Chromium.

#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "serve/assets.hpp"
#include "serve/server.hpp"
#include "serve/session.hpp"
#include "support/cli.hpp"
#include "tinynn/cli/config.hpp"
#include "tinynn/error.hpp"
#include "tinynn/experiment/runs.hpp"

// Last: it brings <resolv.h>, whose _res macro breaks Eigen's headers.
#include <httplib.h>

using namespace tinynn;
using namespace tinynn::test;
using namespace tinynn::cli::serve;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A server on a free port of 127.0.0.1, writing its compares under `root`.
class Running {
  public:
    explicit Running(const fs::path& root) : server_(Setup::built_in(), root / "runs") {
        port_ = server_.bind("127.0.0.1", 0);
        thread_ = std::thread([this] { server_.listen(); });
    }
    ~Running() {
        server_.stop();
        thread_.join();
    }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port_);
        // The paths go out as written, "/../" and "%2e" included.
        c.set_url_encode(false);
        return c;
    }

  private:
    Server server_;
    int port_ = 0;
    std::thread thread_;
};

httplib::Result post_json(httplib::Client& c, const std::string& path, const json& body) {
    return c.Post(path.c_str(), body.dump(), "application/json");
}

json events(const Session& session) {
    return json::parse(session.poll(0, 0));
}

// Polls until `done(state)`; a minute without is a failure (the sanitizer
// build is slow, but not that slow).
json wait_for(const Session& session, const std::function<bool(const json&)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    for (;;) {
        const json state = events(session);
        if (done(state))
            return state;
        if (std::chrono::steady_clock::now() > deadline) {
            FAIL_CHECK("waited a minute for the session, which is now " << state.dump());
            return state;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace

TEST_CASE("serve: only the page's own files are served, and path traversal is refused", "[serve]") {
    TempDir dir;
    Running running(dir.path());
    httplib::Client c = running.client();
    for (const char* page : {"/", "/index.html", "/app.js", "/style.css", "/chart.min.js"}) {
        INFO(page);
        const auto res = c.Get(page);
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(!res->body.empty());
    }
    // Chart.js is Debian's, embedded whole.
    CHECK(c.Get("/chart.min.js")->body.find("Chart.js v3.9.1") != std::string::npos);
    // A compare's files exist on the disk beside the server, but are not
    // reachable by path.
    fs::create_directories(dir.path() / "runs/serve");
    std::ofstream(dir.path() / "runs/serve/config.yaml") << "secret\n";
    for (const char* path :
         {"/../CMakeLists.txt", "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
          "/..%2f..%2fetc%2fpasswd", "//etc/passwd", "/runs/serve/config.yaml",
          "/index.html/../../etc/passwd", "/./index.html/..", "/etc/passwd", "/app.js%00.txt"}) {
        INFO(path);
        const auto res = c.Get(path);
        REQUIRE(res);
        CHECK(res->status >= 400);
        CHECK(res->body.find("secret") == std::string::npos);
        CHECK(res->body.find("root:") == std::string::npos);
    }
    CHECK(find_asset("/../index.html") == nullptr);
    CHECK(find_asset("index.html") == nullptr);
    // Before any compare finished there is no report to download.
    CHECK(c.Get("/api/report.html")->status == 404);
}

TEST_CASE("serve: request bodies are bounded and validated", "[serve]") {
    TempDir dir;
    Running running(dir.path());
    httplib::Client c = running.client();
    const std::string big(kMaxBodyBytes + 1, ' ');
    const auto oversize = c.Post("/api/start", big, "application/json");
    REQUIRE(oversize);
    CHECK(oversize->status == 413);
    for (const char* body : {"not json", "[]", "{\"set\": 1}", "{\"set\": [1]}"}) {
        INFO(body);
        const auto res = c.Post("/api/start", body, "application/json");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK_THAT(json::parse(res->body).at("error").get<std::string>(),
                   Catch::Matchers::StartsWith("the setup: expected"));
    }
    // A form post from another site's page (no preflight) is refused.
    CHECK(c.Post("/api/start", "{\"set\": []}", "text/plain")->status == 415);
    // So is a name that only resolves here (DNS rebinding).
    httplib::Headers other_host{{"Host", "attacker.example:80"}};
    CHECK(c.Get("/api/setup", other_host)->status == 403);
    // Too many overrides, and keys the page has no control for.
    json many = {{"set", json::array()}};
    for (size_t i = 0; i <= kMaxOverrides; ++i)
        many["set"].push_back("seed=1");
    CHECK(post_json(c, "/api/config", many)->status == 400);
    const auto path = post_json(c, "/api/config", {{"set", {"data.path=/etc/passwd"}}});
    CHECK(path->status == 400);
    CHECK_THAT(json::parse(path->body).at("error").get<std::string>(),
               Catch::Matchers::Contains("data.path: expected one of the page's keys"));
}

TEST_CASE("serve: a bad config value is answered with the schema's message", "[serve]") {
    TempDir dir;
    Running running(dir.path());
    httplib::Client c = running.client();
    for (const char* set :
         {"optimizer.lr=abc", "data.kind=mnist", "compare.activations=[tanh, swish]",
          "training.epochs=-3", "model.hidden=[0]"}) {
        INFO(set);
        std::string expected;
        try {
            Setup::built_in().load({set});
        } catch (const Error& e) {
            expected = e.what();
        }
        // The loader's own message, as `tinynn compare --set` gives it.
        REQUIRE_THAT(expected, Catch::Matchers::Contains(std::string("--set ") + set));
        for (const char* route : {"/api/config", "/api/start"}) {
            const auto res = post_json(c, route, {{"set", {set}}});
            REQUIRE(res);
            CHECK(res->status == 400);
            CHECK(json::parse(res->body).at("error") == expected);
        }
    }
    const auto lr = post_json(c, "/api/config", {{"set", {"optimizer.lr=abc"}}});
    CHECK(json::parse(lr->body).at("error") ==
          "serve.yaml: --set optimizer.lr=abc: optimizer.lr: expected a finite number > 0, got "
          "abc");
    // A good setup comes back as the YAML compare reads.
    const auto good = post_json(c, "/api/config", {{"set", {"optimizer.lr=0.05"}}});
    REQUIRE(good->status == 200);
    const std::string yaml = json::parse(good->body).at("yaml");
    CHECK(yaml.find("lr: 0.05") != std::string::npos);
    CHECK(cli::to_yaml(cli::load_config_text(yaml, "copy.yaml")) == yaml);
}

TEST_CASE("serve: a second start cancels the first cleanly", "[serve]") {
    TempDir dir;
    const Setup setup = Setup::built_in();
    Session session;
    const auto start = [&](const std::string& name, int epochs, int samples = 300) {
        const experiment::Config config =
            setup.load({"name=" + name, "training.epochs=" + std::to_string(epochs),
                        "compare.seeds=[1]", "data.samples=" + std::to_string(samples)});
        session.start(config, cli::to_yaml(config), dir.path() / name);
    };
    start("first", 1000000);
    const json running = wait_for(session, [](const json& s) { return s["events"].size() > 4; });
    REQUIRE(running["state"] == "running");
    const uint64_t generation = running["generation"];

    start("second", 3);
    // The first compare's thread has ended before the second started: it
    // wrote what a stopped compare writes.
    CHECK(fs::exists(dir.path() / "first/report.html"));
    CHECK(fs::exists(dir.path() / "first/compare.csv"));
    const json done = wait_for(session, [](const json& s) { return s["state"] != "running"; });
    CHECK(done["generation"] == generation + 1);
    CHECK(done["state"] == "finished");
    int epochs = 0;
    for (const json& e : done["events"]) {
        if (e["type"] == "epoch")
            ++epochs;
        if (e["type"] == "start")
            CHECK(e["runs"].size() == 4);
    }
    CHECK(epochs == 4 * 3);  // the second's alone
    CHECK(done["boundaries"].size() == 4);
    CHECK(session.finished_file("compare.csv") == dir.path() / "second/compare.csv");

    // Pause holds every run at one epoch, and a step moves them one further.
    // At most kCurvePoints epochs, so that each has its event, of enough
    // samples that the pause comes long before the end.
    start("third", static_cast<int>(experiment::kCurvePoints), 5000);
    wait_for(session, [](const json& s) { return s["events"].size() > 4; });
    session.pause();
    REQUIRE(events(session)["state"] == "paused");
    const auto furthest = [](const json& s) {
        int64_t epoch = 0;
        for (const json& e : s["events"])
            if (e["type"] == "epoch")
                epoch = std::max<int64_t>(epoch, e["epoch"]);
        return epoch;
    };
    // Every run stops at the same epoch: the furthest when the pause came,
    // or the one after where a run was already training it.
    const json held = wait_for(session, [&](const json& s) {
        const int64_t at = s["paused_at"];
        return s["held"] == 4 && s["events"].size() == static_cast<size_t>(1 + 4 * at) &&
               furthest(s) == at;
    });
    const int64_t at = held["paused_at"];
    REQUIRE(at > 0);
    REQUIRE(furthest(held) == at);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(events(session)["events"].size() == held["events"].size());
    session.step();
    const json stepped = wait_for(session, [&](const json& s) {
        return s["held"] == 4 && s["events"].size() == static_cast<size_t>(1 + 4 * (at + 1));
    });
    CHECK(furthest(stepped) == at + 1);
    CHECK(stepped["paused_at"] == at + 1);
    // Reset cancels it (and the destructor would): no thread is left behind.
    session.reset();
    CHECK(events(session)["state"] == "idle");
}

TEST_CASE("tinynn serve prints its URL and Ctrl-C stops it", "[serve][cli]") {
    TempDir dir;
    const std::string cli = TINYNN_CLI_PATH;
    const std::string command =
        "cd '" + dir.path().string() + "' && ('" + cli +
        "' serve --port 0 > out 2> err & pid=$!; i=0; while ! grep -qs http out && [ $i -lt 600 ]; "
        "do sleep 0.1; i=$((i+1)); done; kill -INT $pid; wait $pid; echo $? > status)";
    REQUIRE(std::system(command.c_str()) == 0);
    CHECK_THAT(read_file(dir.path() / "out"),
               Catch::Matchers::Matches("tinynn serve: http://127\\.0\\.0\\.1:[0-9]+/ \\(Ctrl-C "
                                        "stops the server\\)\n[^]*stopped \\(interrupted by "
                                        "SIGINT\\)\n"));
    CHECK(read_file(dir.path() / "status") == "0\n");

    // A port in use is refused, not shared.
    {
        Server first(Setup::built_in(), dir.path() / "runs");
        const int taken = first.bind("127.0.0.1", 0);
        const CliResult busy = run_tinynn({"serve", "--port", std::to_string(taken)}, dir.path());
        CHECK(busy.status == 2);
        CHECK(busy.err == "tinynn: cannot listen on 127.0.0.1:" + std::to_string(taken) +
                              " (expected a free port on an address of this machine)\n");
    }
    const CliResult port = run_tinynn({"serve", "--port", "70000"}, dir.path());
    CHECK(port.status == 2);
    const CliResult missing = run_tinynn({"serve", "missing.yaml"}, dir.path());
    CHECK(missing.status == 2);
    CHECK_THAT(missing.err, Catch::Matchers::StartsWith("tinynn: missing.yaml"));
}
