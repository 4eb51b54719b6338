// Bad input a user or a file can give, run through the real `tinynn train`
// (issue 6): each ends with its documented exit status and one stderr line
// that names the problem, and none touches the run already in --out.

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/cli.hpp"
#include "support/skip.hpp"
#include "tinynn/cli/config.hpp"
#include "tinynn/experiment/memory.hpp"

using namespace tinynn;
using namespace tinynn::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

// A small valid config: the cases below each change one thing in it, so the
// one thing is what the error must be about.
const std::string kXor =
    "name: bad\n"
    "seed: 1\n"
    "data:\n"
    "  kind: xor\n"
    "  samples: 40\n"
    "model:\n"
    "  hidden: [4]\n"
    "training:\n"
    "  epochs: 2\n";

// The golden CSV config (csv data, explicit layers, init_from) with
// data.path pointing elsewhere: for the CSV cases.
std::string csv_config(const std::string& path, const std::string& extra = "") {
    return "data:\n"
           "  kind: csv\n"
           "  path: " +
           path +
           "\n"
           "  target: label\n" +
           extra +
           "model:\n"
           "  hidden: [4]\n"
           "training:\n"
           "  epochs: 2\n";
}

void write_bytes(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

bool one_line(const std::string& s) {
    return !s.empty() && s.back() == '\n' && s.find('\n') == s.size() - 1;
}

// A control byte before the line's end: user text that reached stderr raw.
bool raw_control_bytes(const std::string& s) {
    return std::any_of(s.begin(), s.end() - (s.ends_with('\n') ? 1 : 0),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Sets environment variables for its lifetime, then restores them: how a case
// runs tinynn with its own environment.
class ScopedEnv {
  public:
    explicit ScopedEnv(const std::vector<std::pair<std::string, std::string>>& vars) {
        for (const auto& [name, value] : vars) {
            const char* old = std::getenv(name.c_str());
            saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
            setenv(name.c_str(), value.c_str(), 1);
        }
    }
    ~ScopedEnv() {
        for (const auto& [name, value] : saved_)
            if (value)
                setenv(name.c_str(), value->c_str(), 1);
            else
                unsetenv(name.c_str());
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// A directory holding the golden inputs and a finished run in run/, whose
// files every bad input must leave byte-identical.
class Fixture {
  public:
    Fixture() {
        for (const char* f : {"golden.yaml", "golden.csv", "init.safetensors"})
            fs::copy_file(test_data(std::string("golden/") + f), dir_.path() / f);
        write(dir_.path() / "xor.yaml", kXor);
        const auto r = run_tinynn({"train", "golden.yaml", "--out", "run", "--quiet"}, dir_.path());
        INFO(r.err);
        REQUIRE(r.status == 0);
        for (const char* f : kRunFiles)
            before_[f] = read_file(dir_.path() / "run" / f);
    }

    const fs::path& path() const { return dir_.path(); }
    void write(const std::string& name, const std::string& text) const {
        write_bytes(dir_.path() / name, text);
    }

    struct Case {
        std::string what;               // shown when a check fails
        std::vector<std::string> args;  // CONFIG first
        std::vector<std::string> mentions;
        int status = 2;
        std::string command = "train";
        User user = User::caller;
        std::vector<std::pair<std::string, std::string>> env = {};  // for this run only
    };

    void check(const std::vector<Case>& cases) const {
        for (const Case& c : cases) {
            // The options go right after CONFIG so that a case can end in a
            // dangling "--set"; a case with its own --out is about --out
            // (and eval writes nothing, so it has none).
            std::vector<std::string> args{c.command, c.args.at(0)};
            if (c.command != "eval" &&
                std::find(c.args.begin(), c.args.end(), "--out") == c.args.end())
                args.insert(args.end(), {"--out", "run"});
            if (c.command == "train")
                args.emplace_back("--quiet");
            args.insert(args.end(), c.args.begin() + 1, c.args.end());
            const auto r = [&] {
                const ScopedEnv env(c.env);
                return run_tinynn(args, dir_.path(), c.user);
            }();
            INFO(c.what << "\nstderr: " << r.err << "stdout: " << r.out);
            CHECK(r.status == c.status);
            CHECK(one_line(r.err));
            CHECK_FALSE(raw_control_bytes(r.err));
            CHECK_THAT(r.err, Contains("tinynn: "));
            for (const auto& word : c.mentions)
                CHECK_THAT(r.err, Contains(word));
            check_run_intact();
        }
    }

    void check_run_intact() const {
        for (const char* f : kRunFiles) {
            INFO("run/" << f);
            CHECK(read_file(dir_.path() / "run" / f) == before_.at(f));
        }
    }

  private:
    static constexpr const char* kRunFiles[] = {"metrics.csv", "model.safetensors", "config.yaml"};
    TempDir dir_;
    std::map<std::string, std::string> before_;
};

// kXor with `from` replaced by `to` (which must be there).
std::string xor_with(const std::string& from, const std::string& to) {
    std::string text = kXor;
    const size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

// The memory estimate of xor.yaml with `overrides`, in MiB.
double xor_estimate_mib(const Fixture& f, const std::vector<std::string>& overrides = {}) {
    const experiment::Config config = cli::load_config(f.path() / "xor.yaml", overrides);
    return experiment::estimate_memory(config, experiment::synthetic_shape(config.data)).total() /
           (1024 * 1024);
}

}  // namespace

TEST_CASE("Config values of the wrong type name the key and line", "[cli][bad_input]") {
    Fixture f;
    f.write("epochs_word.yaml", xor_with("epochs: 2", "epochs: ten"));
    f.write("hidden_scalar.yaml", xor_with("hidden: [4]", "hidden: 4"));
    f.write("data_list.yaml", "data: [1, 2]\n");
    f.write("shuffle_word.yaml", xor_with("epochs: 2", "epochs: 2\n  shuffle: maybe"));
    f.write("noise_string.yaml", xor_with("samples: 40", "samples: 40\n  noise: \"0.1\""));
    f.write("kind_map.yaml", xor_with("kind: xor", "kind: {name: xor}"));
    f.write("top_list.yaml", "- data\n- model\n");
    f.write("layer_scalar.yaml", "model:\n  layers: [linear]\n");
    f.check({
        {"epochs: ten", {"epochs_word.yaml"}, {"epochs_word.yaml:9:11", "training.epochs", "ten"}},
        {"hidden: 4", {"hidden_scalar.yaml"}, {"hidden_scalar.yaml:7:11", "model.hidden", "list"}},
        {"data is a list", {"data_list.yaml"}, {"data_list.yaml:1:7", "data", "mapping"}},
        {"shuffle: maybe",
         {"shuffle_word.yaml"},
         {"shuffle_word.yaml:10:12", "training.shuffle", "true or false"}},
        {"quoted noise", {"noise_string.yaml"}, {"noise_string.yaml:6:10", "data.noise"}},
        {"kind is a mapping", {"kind_map.yaml"}, {"kind_map.yaml:4:9", "data.kind", "xor"}},
        {"top level is a list", {"top_list.yaml"}, {"top_list.yaml:1:1", "mapping"}},
        {"layer is a string",
         {"layer_scalar.yaml"},
         {"layer_scalar.yaml:2:12", "model.layers", "linear"}},
    });
}

TEST_CASE("Unknown config keys are refused wherever they are", "[cli][bad_input]") {
    Fixture f;
    f.write("top.yaml", kXor + "trainer: {epochs: 3}\n");
    f.write("nested.yaml", xor_with("epochs: 2", "epochz: 2"));
    f.write("layer.yaml",
            "model:\n  layers:\n    - {type: linear, in: 2, out: 2, activation: relu}\n");
    f.write("misplaced.yaml",
            "model:\n  layers:\n    - {type: linear, in: 2, out: 4}\n    - {type: tanh, in: 4}\n"
            "    - {type: linear, in: 4, out: 2}\n");
    f.write("duplicate.yaml", kXor + "seed: 2\n");
    f.check({
        {"top-level key", {"top.yaml"}, {"top.yaml:10:1", "unknown key 'trainer'"}},
        {"nested key",
         {"nested.yaml"},
         {"nested.yaml:9:3", "training.epochz", "did you mean 'epochs'"}},
        {"key inside a layer", {"layer.yaml"}, {"layer.yaml:3:37", "model.layers[0].activation"}},
        {"key of another layer type",
         {"misplaced.yaml"},
         {"misplaced.yaml:4:20", "model.layers[1].in", "tanh"}},
        {"duplicate key", {"duplicate.yaml"}, {"duplicate.yaml:10:1", "duplicate key 'seed'"}},
    });
}

TEST_CASE("Zero, negative and absurd sizes are refused before any allocation", "[cli][bad_input]") {
    Fixture f;
    f.write("hidden_neg.yaml", xor_with("hidden: [4]", "hidden: [-4]"));
    f.write("hidden_zero.yaml", xor_with("hidden: [4]", "hidden: [4, 0]"));
    f.write("hidden_huge.yaml", xor_with("hidden: [4]", "hidden: [100000000]"));
    f.write("samples_exp.yaml", xor_with("samples: 40", "samples: 1e12"));
    f.write("samples_big.yaml", xor_with("samples: 40", "samples: 1000000000000"));
    f.write("samples_zero.yaml", xor_with("samples: 40", "samples: 0"));
    f.write("epochs_neg.yaml", xor_with("epochs: 2", "epochs: -1"));
    f.write("epochs_zero.yaml", xor_with("epochs: 2", "epochs: 0"));
    f.write("batch_neg.yaml", xor_with("epochs: 2", "epochs: 2\n  batch_size: -3"));
    f.write("linear_zero.yaml", "model:\n  layers:\n    - {type: linear, in: 0, out: 2}\n");
    f.check({
        {"hidden: [-4]", {"hidden_neg.yaml"}, {"hidden_neg.yaml:7:12", "model.hidden[0]", "-4"}},
        {"hidden: [4, 0]", {"hidden_zero.yaml"}, {"hidden_zero.yaml:7:15", "model.hidden[1]"}},
        {"hidden: [100000000]",
         {"hidden_huge.yaml"},
         {"hidden_huge.yaml:7:12", "model.hidden[0]", "100000000"}},
        // Each width alone is allowed; together they would need 40 GB.
        {"hidden: [100000, 100000]",
         {"xor.yaml", "--set", "model.hidden=[100000, 100000]"},
         {"model.hidden", "parameters"}},
        {"samples: 1e12", {"samples_exp.yaml"}, {"samples_exp.yaml:5:12", "data.samples"}},
        {"samples: 10^12", {"samples_big.yaml"}, {"samples_big.yaml:5:12", "data.samples"}},
        {"samples: 0", {"samples_zero.yaml"}, {"samples_zero.yaml:5:12", "data.samples"}},
        {"epochs: -1", {"epochs_neg.yaml"}, {"epochs_neg.yaml:9:11", "training.epochs", "-1"}},
        {"epochs: 0", {"epochs_zero.yaml"}, {"epochs_zero.yaml:9:11", "training.epochs"}},
        {"batch_size: -3", {"batch_neg.yaml"}, {"batch_neg.yaml:10:15", "training.batch_size"}},
        {"linear in: 0", {"linear_zero.yaml"}, {"linear_zero.yaml:3:26", "model.layers[0].in"}},
    });
}

TEST_CASE("A run whose memory estimate is over limits.memory_mb is refused before allocating",
          "[cli][bad_input]") {
    Fixture f;
    // Each setting alone is within its range; evaluating 8 million samples
    // through a layer of 100,000 would take terabytes.
    f.write("big.yaml",
            "data:\n  kind: xor\n  samples: 10000000\nmodel:\n  hidden: [100000]\n"
            "training:\n  epochs: 2\n");
    f.write("tight.yaml", kXor + "limits:\n  memory_mb: 1\n");
    std::string rows = "x1,x2,label\n";
    for (int i = 0; i < 2000; ++i)
        rows += std::to_string(i % 7) + ".5,0.25," + std::to_string(i % 2) + "\n";
    f.write("rows.csv", rows);
    f.write("rows.yaml", csv_config("rows.csv"));
    const std::vector<std::string> bigger{"--set", "data.samples=20000", "--set",
                                          "model.hidden=[16]"};
    const auto with = [](std::vector<std::string> args, const std::vector<std::string>& more) {
        args.insert(args.end(), more.begin(), more.end());
        return args;
    };
    f.check({
        {"10M samples through hidden: [100000]",
         {"big.yaml"},
         {"big.yaml: limits.memory_mb: this run needs about ", "TiB", "10,000,000 samples",
          "evaluating 8,000,000 samples at once", "above the limit of", "lower data.samples",
          "raise limits.memory_mb"}},
        {"the same through --set",
         {"xor.yaml", "--set", "data.samples=10000000", "--set", "model.hidden=[100000]"},
         {"limits.memory_mb: this run needs about", "TiB"}},
        {"a small run under --set limits.memory_mb=1",
         with({"xor.yaml", "--set", "limits.memory_mb=1"}, bigger),
         {"limits.memory_mb: this run needs about", "20,000 samples",
          "above the limit of 1.0 MiB"}},
        {"a small run under limits.memory_mb: 1 in the file",
         with({"tight.yaml"}, bigger),
         {"tight.yaml: limits.memory_mb:", "above the limit of 1.0 MiB"}},
        {"a CSV file too large for the limit",
         {"rows.yaml", "--set", "limits.memory_mb=0.01"},
         {"rows.yaml: limits.memory_mb: this run needs about", "2,000 samples",
          "above the limit of 10.2 KiB", "use a data file with fewer rows"}},
    });
}

TEST_CASE("A run whose memory estimate is just under limits.memory_mb trains", "[cli][bad_input]") {
    Fixture f;
    const std::vector<std::string> sizes{"data.samples=5000", "model.hidden=[32]"};
    const double mib = xor_estimate_mib(f, sizes);
    const auto args = [&](const std::string& out, double limit) {
        std::ostringstream set;
        set << "limits.memory_mb=" << std::setprecision(17) << limit;
        return std::vector<std::string>{"train",  "xor.yaml", "--out",  out,     "--quiet", "--set",
                                        sizes[0], "--set",    sizes[1], "--set", set.str()};
    };
    const auto under = run_tinynn(args("fits", mib * 1.001), f.path());
    INFO(under.err);
    CHECK(under.status == 0);
    CHECK(fs::exists(f.path() / "fits" / "model.safetensors"));
    // The limit as given is saved with the run.
    CHECK_THAT(read_file(f.path() / "fits" / "config.yaml"), Contains("memory_mb: "));
    CHECK_THAT(read_file(f.path() / "fits" / "config.yaml"), !Contains("memory_mb: ~"));

    const auto over = run_tinynn(args("over", mib * 0.999), f.path());
    INFO(over.err);
    CHECK(over.status == 2);
    CHECK_THAT(over.err, Contains("limits.memory_mb: this run needs about"));
    CHECK_FALSE(fs::exists(f.path() / "over"));
}

TEST_CASE("Bad values of limits.memory_mb are config errors naming the key", "[cli][bad_input]") {
    Fixture f;
    f.write("zero.yaml", kXor + "limits:\n  memory_mb: 0\n");
    f.write("negative.yaml", kXor + "limits:\n  memory_mb: -5\n");
    f.write("word.yaml", kXor + "limits:\n  memory_mb: lots\n");
    f.write("quoted.yaml", kXor + "limits:\n  memory_mb: \"64\"\n");
    f.write("unknown.yaml", kXor + "limits:\n  foo: 1\n");
    f.write("scalar.yaml", kXor + "limits: 64\n");
    f.check({
        {"memory_mb: 0", {"zero.yaml"}, {"zero.yaml:11:14", "limits.memory_mb", "> 0", "got 0"}},
        {"memory_mb: -5", {"negative.yaml"}, {"negative.yaml:11:14", "limits.memory_mb", "-5"}},
        {"memory_mb: lots", {"word.yaml"}, {"word.yaml:11:14", "limits.memory_mb", "lots"}},
        {"memory_mb: \"64\"", {"quoted.yaml"}, {"quoted.yaml:11:14", "limits.memory_mb"}},
        {"limits.foo",
         {"unknown.yaml"},
         {"unknown.yaml:11:3", "unknown key 'limits.foo'", "memory_mb"}},
        {"limits: 64", {"scalar.yaml"}, {"scalar.yaml:10:9", "limits", "mapping"}},
        {"--set limits.memory_mb=0",
         {"xor.yaml", "--set", "limits.memory_mb=0"},
         {"--set limits.memory_mb=0", "limits.memory_mb", "> 0"}},
        {"--set limits.foo=1",
         {"xor.yaml", "--set", "limits.foo=1"},
         {"--set limits.foo=1", "unknown key 'limits.foo'"}},
    });
}

TEST_CASE("Unreadable, empty and malformed config files get one line", "[cli][bad_input]") {
    Fixture f;
    f.write("syntax.yaml", "model:\n  hidden: [8, 8\ntraining:\n  epochs: 2\n");
    f.write("tab.yaml", "data:\n\tkind: xor\n");
    f.write("empty.yaml", "");
    f.write("comments.yaml", "# nothing here yet\n\n");
    std::string garbage;
    for (int i = 0; i < 512; ++i)
        garbage += static_cast<char>((i * 7919 + 13) % 256);
    f.write("garbage.yaml", garbage);
    f.write("two_docs.yaml", kXor + "---\n" + kXor);
    // yaml-cpp's LoadAll loops forever on this, taking memory (found by fuzzing).
    f.write("comma.yaml", "# a config\n, name: x\n");
    fs::create_directory(f.path() / "dir.yaml");
    f.check({
        {"unclosed list", {"syntax.yaml"}, {"syntax.yaml:", "YAML syntax error"}},
        {"tab indentation", {"tab.yaml"}, {"tab.yaml:2:", "YAML syntax error"}},
        {"empty file", {"empty.yaml"}, {"empty.yaml", "empty"}},
        {"only comments", {"comments.yaml"}, {"comments.yaml", "empty"}},
        {"binary garbage", {"garbage.yaml"}, {"garbage.yaml"}},
        {"leading comma", {"comma.yaml"}, {"comma.yaml:2:1", "YAML syntax error", "','"}},
        {"two documents", {"two_docs.yaml"}, {"two_docs.yaml", "one YAML document"}},
        {"a directory", {"dir.yaml"}, {"dir.yaml", "directory"}},
        {"missing file", {"missing.yaml"}, {"missing.yaml", "no such file"}},
    });
}

TEST_CASE("An unreadable config file gets one line", "[cli][bad_input]") {
    if (const std::string why = unprivileged_unavailable(); !why.empty()) {
        skip_test(why);
        return;
    }
    Fixture f;
    // Run as nobody when the tests run as root, who must reach the directory.
    fs::permissions(f.path(), fs::perms::others_exec, fs::perm_options::add);
    f.write("secret.yaml", kXor);
    fs::permissions(f.path() / "secret.yaml", fs::perms::none);
    f.check({{"unreadable file",
              {"secret.yaml"},
              {"secret.yaml", "ermission denied"},
              2,
              "train",
              User::unprivileged}});
}

TEST_CASE("Bad CSV data names the file, line and column", "[cli][bad_input]") {
    Fixture f;
    const std::vector<std::pair<std::string, std::string>> files{
        {"empty.csv", ""},
        {"header_only.csv", "x1,x2,label\n"},
        {"ragged.csv", "x1,x2,label\n1,2,0\n3,1\n"},
        {"word.csv", "x1,x2,label\n1,2,0\n3,abc,1\n"},
        {"nan.csv", "x1,x2,label\n1,2,0\nnan,4,1\n"},
        {"inf.csv", "x1,x2,label\n1,2,0\n3,-inf,1\n"},
        {"label_big.csv", "x1,x2,label\n1,2,0\n3,4,1000\n"},
        {"label_neg.csv", "x1,x2,label\n1,2,0\n3,4,-1\n"},
        {"label_frac.csv", "x1,x2,label\n1,2,0\n3,4,0.5\n"},
        {"no_target.csv", "x1,x2,species\n1,2,0\n3,4,1\n"},
        {"one_column.csv", "label\n0\n1\n"},
        {"huge_value.csv", "x1,x2,label\n1,2,0\n1e999,4,1\n"},
    };
    for (const auto& [name, text] : files) {
        f.write(name, text);
        f.write(name + ".yaml", csv_config(name));
    }
    fs::create_directory(f.path() / "dir.csv");
    f.write("dir.csv.yaml", csv_config("dir.csv"));
    f.write("missing.csv.yaml", csv_config("missing.csv"));
    f.write("index.yaml", "data:\n  kind: csv\n  path: golden.csv\n  target: 7\n");
    f.write("nopath.yaml", "data:\n  kind: csv\n");
    f.check({
        {"missing CSV", {"missing.csv.yaml"}, {"missing.csv", "no such file"}},
        {"directory as CSV", {"dir.csv.yaml"}, {"dir.csv", "directory"}},
        {"empty CSV", {"empty.csv.yaml"}, {"empty.csv", "empty"}},
        {"header only", {"header_only.csv.yaml"}, {"header_only.csv", "line 1", "no data rows"}},
        {"ragged row", {"ragged.csv.yaml"}, {"ragged.csv: line 3, column 3", "expected 3 cells"}},
        {"non-numeric", {"word.csv.yaml"}, {"word.csv: line 3, column 2", "'abc'"}},
        {"NaN", {"nan.csv.yaml"}, {"nan.csv: line 3, column 1", "not finite"}},
        {"infinity", {"inf.csv.yaml"}, {"inf.csv: line 3, column 2", "not finite"}},
        {"out of float range", {"huge_value.csv.yaml"}, {"huge_value.csv: line 3, column 1"}},
        {"label 1000", {"label_big.csv.yaml"}, {"label_big.csv: line 3, column 3", "'1000'"}},
        {"label -1", {"label_neg.csv.yaml"}, {"label_neg.csv: line 3, column 3", "negative"}},
        {"label 0.5", {"label_frac.csv.yaml"}, {"label_frac.csv: line 3, column 3", "integer"}},
        {"target not in header", {"no_target.csv.yaml"}, {"no_target.csv", "'label'", "species"}},
        {"target index out of range", {"index.yaml"}, {"golden.csv", "index 7"}},
        {"one column", {"one_column.csv.yaml"}, {"one_column.csv: line 1", "2"}},
        {"csv without a path", {"nopath.yaml"}, {"nopath.yaml:2:9", "data.path"}},
    });
}

TEST_CASE("Bad init_from weights name the file and the tensor", "[cli][bad_input]") {
    Fixture f;
    const auto tensor = [](Shape shape) { return zeros(shape); };
    save_safetensors({{"0.weight", tensor({8, 2})},
                      {"0.bias", tensor({8})},
                      {"2.weight", tensor({3, 8})},
                      {"9.bias", tensor({3})}},
                     f.path() / "names.safetensors");
    save_safetensors({{"0.weight", tensor({2, 8})},
                      {"0.bias", tensor({8})},
                      {"2.weight", tensor({3, 8})},
                      {"2.bias", tensor({3})}},
                     f.path() / "shapes.safetensors");
    const std::string good = read_file(f.path() / "init.safetensors");
    f.write("truncated.safetensors", good.substr(0, good.size() - 7));
    f.write("garbage.safetensors", "\xff\xff\xff\xff\xff\xff\xff\x7fnot a safetensors file");
    f.write("short.safetensors", "abc");
    fs::create_directory(f.path() / "dir.safetensors");
    const auto with = [](const std::string& file) {
        return std::vector<std::string>{"golden.yaml", "--set", "model.init_from=" + file};
    };
    f.check({
        {"wrong names", with("names.safetensors"), {"names.safetensors", "missing", "2.bias"}},
        {"wrong shapes", with("shapes.safetensors"), {"shapes.safetensors", "0.weight", "[2, 8]"}},
        {"truncated", with("truncated.safetensors"), {"truncated.safetensors", "truncated"}},
        {"garbage", with("garbage.safetensors"), {"garbage.safetensors", "header length"}},
        {"3 bytes", with("short.safetensors"), {"short.safetensors", "too short"}},
        {"a directory", with("dir.safetensors"), {"dir.safetensors", "directory"}},
        {"missing", with("nowhere.safetensors"), {"nowhere.safetensors"}},
    });
}

TEST_CASE("Malformed --set overrides name the override", "[cli][bad_input]") {
    Fixture f;
    const auto set = [](const std::string& text) {
        return std::vector<std::string>{"xor.yaml", "--set", text};
    };
    f.check({
        {"no '='", set("training.epochs"), {"--set training.epochs", "KEY=VALUE"}},
        {"empty key", set("=3"), {"--set =3", "empty"}},
        {"empty key part", set("training..epochs=3"), {"training..epochs", "empty part"}},
        {"unknown key", set("training.epocs=3"), {"--set training.epocs=3", "training.epocs"}},
        {"invalid YAML value", set("model.hidden=[4, 4"), {"--set model.hidden=[4, 4", "YAML"}},
        {"wrong type", set("training.epochs=many"), {"--set training.epochs=many", "integer"}},
        {"key below a scalar",
         set("training.epochs.x=1"),
         {"--set training.epochs.x=1", "'training.epochs'", "not a mapping"}},
        {"no value", {"xor.yaml", "--set"}, {"--set"}},
    });
}

TEST_CASE("Out-of-range optimizer settings and mismatched models are config errors",
          "[cli][bad_input]") {
    Fixture f;
    f.write("lr_neg.yaml", kXor + "optimizer: {lr: -0.1}\n");
    f.write("nesterov.yaml", kXor + "optimizer: {lr: 0.1, nesterov: true}\n");
    f.write("sine_ce.yaml", "data: {kind: sine, samples: 20}\nloss: cross_entropy\n");
    f.write("chain.yaml",
            "model:\n  layers:\n    - {type: linear, in: 2, out: 4}\n"
            "    - {type: tanh}\n    - {type: linear, in: 5, out: 2}\n");
    const auto golden_layers = [](const std::string& layers) {
        return std::vector<std::string>{"golden.yaml", "--set", "model.layers=" + layers};
    };
    f.check({
        {"lr negative", {"lr_neg.yaml"}, {"lr_neg.yaml:10:17", "optimizer.lr", "-0.1"}},
        {"lr zero", {"xor.yaml", "--set", "optimizer.lr=0"}, {"optimizer.lr", "> 0"}},
        {"lr overflowing float32", {"xor.yaml", "--set", "optimizer.lr=1e39"}, {"float32"}},
        {"momentum negative", {"xor.yaml", "--set", "optimizer.momentum=-1"}, {"momentum"}},
        {"nesterov without momentum",
         {"nesterov.yaml"},
         {"nesterov.yaml:10:32", "optimizer.nesterov", "momentum"}},
        {"cross_entropy on sine",
         {"sine_ce.yaml"},
         {"sine_ce.yaml", "cross_entropy", "regression"}},
        {"first layer too wide",
         golden_layers("[{type: linear, in: 3, out: 3}]"),
         {"model.layers[0].in", "2 features"}},
        {"last layer too narrow",
         golden_layers("[{type: linear, in: 2, out: 4}, {type: tanh}, "
                       "{type: linear, in: 4, out: 2}]"),
         {"model.layers[2].out", "3 outputs"}},
        {"layers that do not chain", {"chain.yaml"}, {"chain.yaml:5:26", "model.layers[2].in"}},
        {"no linear layer", golden_layers("[{type: tanh}]"), {"model.layers", "linear"}},
        {"unknown model kind", {"xor.yaml", "--set", "model.kind=resnet"}, {"resnet"}},
    });
}

TEST_CASE("An output directory that cannot be written fails in one line", "[cli][bad_input]") {
    Fixture f;
    f.write("occupied", "a regular file where the run directory should go\n");
    f.check({
        // Both exit 1: the config is fine, the run failed on I/O (SPEC §2).
        {"output is a file", {"xor.yaml", "--out", "occupied"}, {"occupied"}, 1},
        {"output below a file", {"xor.yaml", "--out", "occupied/run"}, {"occupied/run"}, 1},
    });
    CHECK(read_file(f.path() / "occupied") == "a regular file where the run directory should go\n");
}

TEST_CASE("A read-only output directory fails in one line", "[cli][bad_input]") {
    if (const std::string why = unprivileged_unavailable(); !why.empty()) {
        skip_test(why);
        return;
    }
    Fixture f;
    // Run as nobody when the tests run as root, who must reach the config.
    fs::permissions(f.path(), fs::perms::others_exec, fs::perm_options::add);
    fs::permissions(f.path() / "xor.yaml", fs::perms::others_read, fs::perm_options::add);
    const fs::path locked = f.path() / "locked";
    fs::create_directory(locked);
    using fs::perms;
    fs::permissions(locked, perms::owner_read | perms::owner_exec | perms::group_read |
                                perms::group_exec | perms::others_read | perms::others_exec);
    f.check({{"read-only directory",
              {"xor.yaml", "--out", "locked"},
              {"locked", "ermission denied"},
              1,
              "train",
              User::unprivileged}});
    CHECK(fs::is_empty(locked));
    fs::permissions(locked, perms::owner_all);
}

TEST_CASE("Bad input to compare gets one line and leaves the previous run intact",
          "[cli][bad_input][compare]") {
    Fixture f;
    f.write("occupied", "a regular file\n");
    f.write("no_acts.yaml", kXor + "compare: {activations: []}\n");
    f.write("twice.yaml", kXor + "compare: {activations: [relu, tanh, relu]}\n");
    f.write("seeds.yaml", kXor + "compare: {seeds: [1, 2, 1]}\n");
    f.write("neg_seed.yaml", kXor + "compare: {seeds: [-1]}\n");
    f.write("target.yaml", kXor + "compare: {target_loss: -0.5}\n");
    f.write("swish.yaml", kXor + "compare: {activations: [swish]}\n");
    f.write("registry.yaml", xor_with("  hidden: [4]\n", "  kind: no_such_model\n"));
    fs::create_directory(f.path() / "a_directory.yaml");
    const std::string c = "compare";
    f.check({
        {"missing config", {"missing.yaml"}, {"missing.yaml"}, 2, c},
        {"directory as config", {"a_directory.yaml"}, {"a_directory.yaml"}, 2, c},
        {"jobs zero", {"xor.yaml", "--jobs", "0"}, {"--jobs"}, 2, c},
        {"jobs not a number", {"xor.yaml", "--jobs", "many"}, {"--jobs"}, 2, c},
        {"no activations", {"no_acts.yaml"}, {"compare.activations", "no_acts.yaml:10:"}, 2, c},
        {"an activation twice", {"twice.yaml"}, {"compare.activations[2]", "twice"}, 2, c},
        {"a seed twice", {"seeds.yaml"}, {"compare.seeds[2]", "twice"}, 2, c},
        {"negative seed", {"neg_seed.yaml"}, {"compare.seeds[0]"}, 2, c},
        {"negative target", {"target.yaml"}, {"compare.target_loss"}, 2, c},
        {"unknown activation", {"swish.yaml"}, {"compare.activations[0]", "swish"}, 2, c},
        {"unknown activation by --set",
         {"xor.yaml", "--set", "compare.activations=[relu, swish]"},
         {"compare.activations[1]", "swish"},
         2,
         c},
        {"unknown model", {"registry.yaml"}, {"no_such_model"}, 2, c},
        {"two configs with one name", {"xor.yaml", "xor.yaml"}, {"name 'bad'"}, 2, c},
        {"output is a file", {"xor.yaml", "--out", "occupied"}, {"occupied"}, 1, c},
    });
    CHECK(read_file(f.path() / "occupied") == "a regular file\n");
}

TEST_CASE("compare refuses more parallel runs than limits.memory_mb holds",
          "[cli][bad_input][compare]") {
    Fixture f;
    // Between what one run at a time and two at once need, what compare
    // keeps of their results and its summary included.
    const experiment::Config config = cli::load_config(f.path() / "xor.yaml");
    const auto need = [&](int64_t runs) {
        return experiment::estimate_compare_memory(config, experiment::synthetic_shape(config.data),
                                                   runs)
                   .total() /
               (1024 * 1024);
    };
    std::ostringstream set;
    set << "limits.memory_mb=" << std::setprecision(17) << (need(1) + need(2)) / 2;
    f.check({{"two runs over the limit",
              {"xor.yaml", "--jobs", "2", "--set", set.str()},
              {"limits.memory_mb: 2 runs at once (--jobs)", "lower --jobs to 1"},
              2,
              "compare"}});
    const auto one = run_tinynn({"compare", "xor.yaml", "--jobs", "1", "--set", set.str(), "--set",
                                 "compare.seeds=[1]", "--out", "one"},
                                f.path());
    INFO(one.err);
    CHECK(one.status == 0);
}

TEST_CASE("A bad TINYNN_NUM_THREADS is refused before anything is written", "[cli][bad_input]") {
    Fixture f;
    std::vector<Fixture::Case> cases;
    const std::vector<std::pair<std::string, std::string>> values{
        {"0", "'0'"},     {"-3", "'-3'"}, {"99999999", "'99999999'"},
        {"abc", "'abc'"}, {"", "''"},     {"4\x1b[2J\x07", "'4\\x1b[2J\\x07'"}};
    for (const auto& [value, shown] : values)
        for (const std::string command : {"train", "compare"})
            cases.push_back({command + " with TINYNN_NUM_THREADS=" + value,
                             {"xor.yaml", "--out", "fresh"},
                             {"TINYNN_NUM_THREADS must be a whole number", "1 to 1024", shown},
                             2,
                             command,
                             User::caller,
                             {{"TINYNN_NUM_THREADS", value}}});
    // --threads wins over the variable, but a bad one is still refused.
    cases.push_back({"--threads 2 with TINYNN_NUM_THREADS=0",
                     {"xor.yaml", "--out", "fresh", "--threads", "2"},
                     {"TINYNN_NUM_THREADS", "'0'"},
                     2,
                     "train",
                     User::caller,
                     {{"TINYNN_NUM_THREADS", "0"}}});
    cases.push_back({"eval with TINYNN_NUM_THREADS=99999999",
                     {"golden.yaml", "--weights", "run/model.safetensors"},
                     {"TINYNN_NUM_THREADS", "'99999999'"},
                     2,
                     "eval",
                     User::caller,
                     {{"TINYNN_NUM_THREADS", "99999999"}}});
    f.check(cases);
    CHECK_FALSE(fs::exists(f.path() / "fresh"));

    // A good value still runs.
    const ScopedEnv env(
        std::vector<std::pair<std::string, std::string>>{{"TINYNN_NUM_THREADS", "1024"}});
    const auto r = run_tinynn({"train", "xor.yaml", "--out", "fresh", "--quiet"}, f.path());
    INFO(r.err);
    CHECK(r.status == 0);
}

TEST_CASE("A FIFO or a device as data.path is refused without waiting on it", "[cli][bad_input]") {
    Fixture f;
    REQUIRE(::mkfifo((f.path() / "fifo.csv").c_str(), 0600) == 0);
    f.write("fifo.yaml", csv_config("fifo.csv"));
    f.write("zero.yaml", csv_config("/dev/zero"));
    // No writer ever opens the FIFO: a reader that waited for one would hang.
    const auto start = std::chrono::steady_clock::now();
    f.check({
        {"a FIFO", {"fifo.yaml"}, {"fifo.yaml", "fifo.csv", "not a regular file"}},
        {"a FIFO in compare", {"fifo.yaml"}, {"fifo.csv", "not a regular file"}, 2, "compare"},
        {"/dev/zero", {"zero.yaml"}, {"zero.yaml", "/dev/zero", "not a regular file"}},
    });
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(60));
}

TEST_CASE("A weights file for another model is refused from its header, whatever its size",
          "[cli][bad_input]") {
    Fixture f;
    // The golden model's names, its first weight [2^28, 2] instead of [8, 2]:
    // 2 GiB of data, sparse (ftruncate), each range consistent with its shape.
    constexpr uint64_t kBig = (uint64_t{1} << 28) * 2 * 4;
    const auto entry = [](const std::string& name, const std::string& shape, uint64_t begin,
                          uint64_t bytes) {
        return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" +
               std::to_string(begin) + "," + std::to_string(begin + bytes) + "]}";
    };
    // Appended piecewise: GCC 12 misreports "{" + a temporary (-Wrestrict).
    std::string header = "{";
    header += entry("0.weight", "[268435456,2]", 0, kBig) + ",";
    header += entry("0.bias", "[8]", kBig, 32) + ",";
    header += entry("2.weight", "[3,8]", kBig + 32, 96) + ",";
    header += entry("2.bias", "[3]", kBig + 128, 12) + "}";
    std::string prefix;
    for (int i = 0; i < 8; ++i)
        prefix.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
    f.write("big.safetensors", prefix + header);
    REQUIRE(::truncate((f.path() / "big.safetensors").c_str(),
                       static_cast<off_t>(8 + header.size() + kBig + 140)) == 0);
    f.check({
        {"init_from under limits.memory_mb: 5",
         {"golden.yaml", "--set", "model.init_from=big.safetensors", "--set", "limits.memory_mb=5"},
         {"big.safetensors", "0.weight", "[268435456, 2]", "[8, 2]"}},
        {"eval --weights",
         {"golden.yaml", "--weights", "big.safetensors", "--set", "limits.memory_mb=5"},
         {"big.safetensors", "0.weight", "[268435456, 2]", "[8, 2]"},
         2,
         "eval"},
    });
    // The peak of every tinynn this process ran, these two included.
    rusage children{};
    REQUIRE(::getrusage(RUSAGE_CHILDREN, &children) == 0);
    CHECK(children.ru_maxrss < 256 * 1024);  // KiB
}

TEST_CASE("User text in data and weights errors reaches stderr escaped and bounded",
          "[cli][bad_input]") {
    Fixture f;
    f.write("escape.csv",
            "x\x1b[31m1,x\x07"
            "2,label\n1,abc,0\n");
    f.write("escape.yaml", csv_config("escape.csv"));
    f.write("species.yaml",
            csv_config("escape.csv")
                .replace(csv_config("escape.csv").find("target: label"), 13, "target: species"));
    f.write("newline.yaml", csv_config("golden.csv")
                                .replace(csv_config("golden.csv").find("target: label"), 13,
                                         "target: \"a\\nb\\e[2J\""));
    f.write("path.yaml", csv_config("\"bad\\e[2J\\a.csv\""));
    f.write("huge_name.csv", std::string(20'000'000, 'n') + ",label\n1,0\n");
    f.write("huge_name.yaml", csv_config("huge_name.csv"));
    std::string wide;
    for (int j = 0; j < 20'000; ++j)
        wide += "a_column_name_of_some_length_" + std::to_string(j) + ",";
    f.write("wide.csv", wide + "last\n");
    f.write("wide.yaml", csv_config("wide.csv"));
    save_safetensors({{"0.weight", zeros({8, 2})},
                      {"0.bias", zeros({8})},
                      {"2.weight", zeros({3, 8})},
                      {"2.bias\x1b]0;owned\x07", zeros({3})}},
                     f.path() / "names.safetensors");
    const auto with = [](const std::string& file) {
        return std::vector<std::string>{"golden.yaml", "--set", "model.init_from=" + file};
    };
    f.check({
        {"a column name with ESC and BEL", {"escape.yaml"}, {"column 2 (x\\x072)"}},
        {"columns listed", {"species.yaml"}, {"x\\x1b[31m1, x\\x072, label"}},
        {"a target with a newline", {"newline.yaml"}, {"'a\\nb\\x1b[2J'"}},
        {"a data.path with ESC and BEL", {"path.yaml"}, {"bad\\x1b[2J\\x07.csv", "no such file"}},
        {"a 20 MB header name", {"huge_name.yaml"}, {"huge_name.csv: line 1", "1 MiB"}},
        {"20,000 header names", {"wide.yaml"}, {"wide.csv", "... (20001 columns)"}},
        {"a tensor name with an escape sequence",
         with("names.safetensors"),
         {"names.safetensors", "2.bias\\x1b]0;owned\\x07"}},
    });
    for (const char* config : {"huge_name.yaml", "wide.yaml"}) {
        const auto r = run_tinynn({"train", config, "--out", "run", "--quiet"}, f.path());
        INFO(config << ": " << r.err.substr(0, 300));
        CHECK(r.err.size() < 2000);
    }
}

TEST_CASE("A run name that cannot name its directory is refused at config load",
          "[cli][bad_input]") {
    Fixture f;
    // 238 bytes: the staging directory ".<name>.staging.<pid>" beside the
    // run directory then still fits in NAME_MAX (255) with a 7-digit PID.
    const std::string longest(238, 'n');
    f.write("long.yaml",
            "name: " + std::string(300, 'n') + "\n" + kXor.substr(kXor.find('\n') + 1));
    f.write(std::string(250, 's') + ".yaml", kXor.substr(kXor.find('\n') + 1));
    f.write("a.yaml", kXor);
    f.write("report.yaml", xor_with("name: bad", "name: report.html"));
    const std::string c = "compare";
    f.check({
        {"a 300-byte name",
         {"long.yaml"},
         {"long.yaml:1:7", "name: expected a name without '/'", "at most 238 bytes", "(300 bytes)"},
         2},
        {"a 239-byte name by --set",
         {"xor.yaml", "--set", "name=" + longest + "n"},
         {"--set name=", "at most 238 bytes", "(239 bytes)"},
         2},
        {"a 250-byte file stem",
         {std::string(250, 's') + ".yaml"},
         {"name: the config file's stem", "(250 bytes)", "set name"},
         2},
        {"a 300-byte name to compare", {"long.yaml"}, {"long.yaml:1:7", "at most 238"}, 2, c},
        {"an experiment named report.html beside another",
         {"a.yaml", "report.yaml"},
         {"report.yaml: name 'report.html' is the name of the report over all the experiments"},
         2,
         c},
    });
    CHECK_FALSE(fs::exists(f.path() / "runs"));

    // The longest name trains into runs/<name>, beside its lock file.
    const auto r =
        run_tinynn({"train", "xor.yaml", "--quiet", "--set", "name=" + longest}, f.path());
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(fs::exists(f.path() / "runs" / longest / "model.safetensors"));
}

TEST_CASE("compare refuses a clash in its output directory before training", "[cli][bad_input]") {
    Fixture f;
    f.write("a.yaml", kXor);
    f.write("report.yaml", xor_with("name: bad", "name: report.html"));
    f.write("long_a.yaml", xor_with("name: bad", "name: " + std::string(200, 'a')));
    f.write("long_b.yaml", xor_with("name: bad", "name: " + std::string(200, 'b')));
    // Without --out the directory is runs/<name>+<name>: over NAME_MAX here.
    const auto joined = run_tinynn({"compare", "long_a.yaml", "long_b.yaml"}, f.path());
    INFO(joined.err);
    CHECK(joined.status == 2);
    CHECK(one_line(joined.err));
    CHECK_THAT(joined.err, Contains("401 bytes, more than the 255 a directory name may have; "
                                    "give --out"));
    // One experiment alone writes into the output directory itself: no clash.
    const auto alone = run_tinynn({"compare", "report.yaml", "--out", "alone", "--set",
                                   "compare.seeds=[1]", "--set", "compare.activations=[relu]"},
                                  f.path());
    INFO(alone.err);
    CHECK(alone.status == 0);
    CHECK(fs::is_regular_file(f.path() / "alone/report.html"));
    CHECK_FALSE(fs::exists(f.path() / "runs"));
}
