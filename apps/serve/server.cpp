#include "serve/server.hpp"

#include <httplib.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "serve/assets.hpp"
#include "tinynn/cli/config.hpp"
#include "tinynn/error.hpp"
#include "tinynn/nn/activation_table.hpp"

namespace tinynn::cli::serve {

namespace {

using nlohmann::json;

void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
    send_json(res, status, {{"error", message}});
}

// The overrides of a request body {"set": ["key=value", ...]}; throws
// tinynn::Error saying what was expected.
std::vector<std::string> overrides_of(const httplib::Request& req) {
    const json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object() || !body.contains("set") ||
        !body["set"].is_array())
        throw Error("the setup: expected a JSON object {\"set\": [\"key=value\", ...]}");
    std::vector<std::string> overrides;
    for (const json& entry : body["set"]) {
        if (!entry.is_string())
            throw Error("the setup: expected each entry of \"set\" to be a string key=value, got " +
                        escape_text(entry.dump(), 80));
        overrides.push_back(entry.get<std::string>());
    }
    return overrides;
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

Server::Server(Setup setup, std::filesystem::path runs_root)
    : setup_(std::move(setup)),
      runs_root_(std::move(runs_root)),
      http_(std::make_unique<httplib::Server>()) {
    add_routes();
}

Server::~Server() {
    stop();
}

int Server::bind(const std::string& host, int port) {
    const int bound =
        port == 0 ? http_->bind_to_any_port(host) : (http_->bind_to_port(host, port) ? port : -1);
    if (bound < 0)
        throw Error("cannot listen on " + escape_text(host, 100) + ":" + std::to_string(port) +
                    " (expected a free port on an address of this machine)");
    host_ = host;
    port_ = bound;
    return bound;
}

void Server::listen() {
    listening_ = true;
    http_->listen_after_bind();
    listening_ = false;
}

void Server::stop() {
    // httplib's stop() only ends a loop that is running: a stop that comes
    // between listen()'s start and its loop's waits for the loop.
    while (listening_ && !http_->is_running())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    http_->stop();
    session_.reset();
}

void Server::add_routes() {
    httplib::Server& http = *http_;
    http.set_payload_max_length(kMaxBodyBytes);
    // httplib's default, SO_REUSEPORT, would let a second server share the
    // port and take half the page's requests; SO_REUSEADDR alone refuses it
    // and still rebinds at once after a stop.
    http.set_socket_options([](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });

    // A page of another site may not drive the server: the browser only
    // sends a JSON POST across origins after a preflight, which is never
    // answered, and a name that resolves to this machine (DNS rebinding)
    // still names itself in Host.
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        const std::string host = req.get_header_value("Host");
        const std::string port = ":" + std::to_string(port_);
        const bool loopback = host_ == "127.0.0.1" || host_ == "localhost" || host_ == "::1";
        if (loopback && host != host_ + port && host != "localhost" + port &&
            host != "127.0.0.1" + port && host != "[::1]" + port) {
            send_error(res, 403, "expected the Host " + host_ + port);
            return httplib::Server::HandlerResponse::Handled;
        }
        if (req.method == "POST" &&
            req.get_header_value("Content-Type").rfind("application/json", 0) != 0) {
            send_error(res, 415, "expected Content-Type: application/json");
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });

    // An unforeseen failure is one JSON message, as every other error.
    http.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                send_error(res, 500, e.what());
            } catch (...) {
                send_error(res, 500, "unknown error");
            }
        });

    http.Get("/api/setup", [this](const httplib::Request&, httplib::Response& res) {
        json values = json::object();
        for (const auto& [key, value] : setup_.values())
            values[key] = value;
        json keys = json::array();
        for (const std::string_view key : setup_keys())
            keys.push_back(std::string(key));
        json activations = json::array();
        for (const nn::ActivationInfo& a : nn::activation_table())
            activations.push_back(std::string(a.name));
        send_json(res, 200, {{"keys", keys}, {"values", values}, {"activations", activations}});
    });

    // Checks a setup and answers its resolved YAML, or the loader's message.
    http.Post("/api/config", [this](const httplib::Request& req, httplib::Response& res) {
        try {
            const experiment::Config config = setup_.load(overrides_of(req));
            send_json(res, 200, {{"name", config.name}, {"yaml", to_yaml(config)}});
        } catch (const Error& e) {
            send_error(res, 400, e.what());
        }
    });

    http.Post("/api/start", [this](const httplib::Request& req, httplib::Response& res) {
        try {
            const experiment::Config config = setup_.load(overrides_of(req));
            const std::string yaml = to_yaml(config);
            const std::filesystem::path dir = runs_root_ / config.name;
            session_.start(config, yaml, dir);
            send_json(res, 200, {{"name", config.name}, {"yaml", yaml}, {"dir", dir.string()}});
        } catch (const Error& e) {
            send_error(res, 400, e.what());
        }
    });

    const auto control = [this](const std::string& path, void (Session::*action)()) {
        http_->Post(path, [this, action](const httplib::Request&, httplib::Response& res) {
            (session_.*action)();
            send_json(res, 200, json::object());
        });
    };
    control("/api/pause", &Session::pause);
    control("/api/resume", &Session::resume);
    control("/api/step", &Session::step);
    control("/api/reset", &Session::reset);

    http.Get("/api/events", [this](const httplib::Request& req, httplib::Response& res) {
        const auto number = [&](const char* name) -> uint64_t {
            try {
                return req.has_param(name) ? std::stoull(req.get_param_value(name)) : 0;
            } catch (const std::exception&) {
                return 0;
            }
        };
        res.set_content(session_.poll(number("generation"), number("since")), "application/json");
    });

    // The finished compare's files, as downloads.
    for (const auto& [route, file, type] :
         {std::tuple{"/api/report.html", "report.html", "text/html; charset=utf-8"},
          std::tuple{"/api/compare.csv", "compare.csv", "text/csv"}}) {
        http.Get(route, [this, file = std::string(file), type = std::string(type)](
                            const httplib::Request&, httplib::Response& res) {
            const std::optional<std::filesystem::path> path = session_.finished_file(file);
            if (!path) {
                send_error(res, 404, "no finished compare yet: start one and let it end");
                return;
            }
            res.set_header("Content-Disposition", "attachment; filename=\"" + file + "\"");
            res.set_content(read_text(*path), type);
        });
    }

    // Everything else is one of the embedded files, or nothing.
    http.Get(".*", [](const httplib::Request& req, httplib::Response& res) {
        const Asset* asset = find_asset(req.path == "/" ? "/index.html" : req.path);
        if (!asset) {
            send_error(res, 404, "not found: only the page's own files are served");
            return;
        }
        res.set_content(asset->body.data(), asset->body.size(), std::string(asset->type).c_str());
    });
}

}  // namespace tinynn::cli::serve
