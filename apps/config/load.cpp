// Reading a config file into experiment::Config: the file (bounded), the
// YAML document, the --set overrides, then one pass over the keys driven by
// the schema table, then the rules that span keys.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <sstream>
#include <system_error>

#include "reader.hpp"
#include "schema.hpp"
#include "tinynn/cli/config.hpp"
#include "tinynn/error.hpp"
#include "tinynn/models/registry.hpp"

namespace tinynn::cli {

namespace {

namespace fs = std::filesystem;
using namespace config_detail;
using experiment::Config;

// File names are quoted whole where they can be: a real path rarely nears
// this, and a bound still keeps a hostile one from flooding the terminal.
constexpr size_t kFileLength = 512;
// yaml-cpp's messages are short, but may quote the offending text.
constexpr size_t kYamlMessageLength = 200;

const Key& key_at(std::string_view path) {
    const auto keys = config_keys();
    return *std::find_if(keys.begin(), keys.end(), [&](const Key& k) { return k.path == path; });
}

// The node at a dotted path, or `root` when the document has none there (the
// value is a default): something to take a line and column from.
YAML::Node node_at(const YAML::Node& root, std::string_view path) {
    YAML::Node node(root);
    for (size_t start = 0; start <= path.size();) {
        const size_t dot = std::min(path.find('.', start), path.size());
        const YAML::Node& current = node;  // const: operator[] would add the key
        if (!current.IsMap()) {
            return root;
        }
        const YAML::Node next = current[std::string(path.substr(start, dot - start))];
        if (!next.IsDefined()) {
            return root;
        }
        node.reset(next);
        start = dot + 1;
    }
    return node;
}

// Why a file of this type is no config, or empty for a regular file. A FIFO
// or a device could block the open or never end.
std::string not_a_config(mode_t mode) {
    if (S_ISREG(mode)) {
        return "";
    }
    if (S_ISDIR(mode)) {
        return "it is a directory, expected a YAML file";
    }
    const char* what = S_ISFIFO(mode)   ? "a FIFO"
                       : S_ISCHR(mode)  ? "a character device"
                       : S_ISBLK(mode)  ? "a block device"
                       : S_ISSOCK(mode) ? "a socket"
                                        : "not a regular file";
    return std::string("it is ") + what + ", expected a regular YAML file";
}

std::string read_file(const fs::path& path, const std::string& shown) {
    const auto fail = [&](const std::string& why) {
        throw Error(shown + ": cannot read the config: " + why);
    };
    const std::string too_big = "it is larger than " + std::to_string(kMaxConfigBytes >> 20) +
                                " MiB, the most a config file may hold";
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        fail(errno == ENOENT ? "no such file" : std::strerror(errno));
    }
    if (const std::string why = not_a_config(info.st_mode); !why.empty()) {
        fail(why);
    }
    // Non-blocking, and checked again once open: the path may have been
    // replaced by a FIFO since.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fail(std::strerror(errno));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    if (::fstat(fd, &info) != 0) {
        fail(std::strerror(errno));
    }
    if (const std::string why = not_a_config(info.st_mode); !why.empty()) {
        fail(why);
    }
    if (static_cast<uintmax_t>(info.st_size) > kMaxConfigBytes) {
        fail(too_big);
    }
    // Read to one byte past the limit whatever the size said: a file may
    // grow, and some (in /proc) report 0.
    std::string text;
    char buffer[65536];
    while (text.size() <= kMaxConfigBytes) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            fail(std::strerror(errno));
        }
        if (n == 0) {
            return text;
        }
        text.append(buffer, static_cast<size_t>(n));
    }
    fail(too_big);
    return text;
}

void apply_override(YAML::Node& root, const std::string& text, const std::string& shown,
                    std::vector<Override>& applied) {
    const auto fail = [&](const std::string& why) {
        throw Error(shown + ": --set " + escape_text(text) + ": " + why);
    };
    if (invalid_utf8(text)) {
        fail("expected UTF-8 text (YAML is Unicode)");
    }
    const size_t eq = text.find('=');
    if (eq == std::string::npos) {
        fail("expected KEY=VALUE, e.g. --set model.activation=relu");
    }
    const std::string key = text.substr(0, eq);
    if (key.empty()) {
        fail("the key before '=' is empty; expected KEY=VALUE, e.g. --set training.epochs=100");
    }
    std::vector<std::string> parts;
    for (size_t start = 0;;) {
        const size_t dot = key.find('.', start);
        parts.push_back(key.substr(start, dot - start));
        if (parts.back().empty()) {
            fail("the key '" + escape_text(key) +
                 "' has an empty part; expected a dotted path like data.noise");
        }
        if (dot == std::string::npos) {
            break;
        }
        start = dot + 1;
    }
    YAML::Node value;
    try {
        value.reset(YAML::Load(text.substr(eq + 1)));
    } catch (const YAML::Exception& e) {
        fail("the value is not valid YAML: " + escape_text(e.msg, kYamlMessageLength));
    }

    YAML::Node current = root;
    std::string walked;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        walked += (walked.empty() ? "" : ".") + parts[i];
        // Lookups go through a const reference: the non-const operator[]
        // would add the key as a side effect.
        const YAML::Node& const_current = current;
        const YAML::Node next = const_current[parts[i]];
        if (!next.IsDefined() || next.IsNull()) {
            current[parts[i]] = YAML::Node(YAML::NodeType::Map);
        } else if (!next.IsMap()) {
            fail("'" + escape_text(walked) + "' is " + describe(next) +
                 ", not a mapping, so it has no key '" + escape_text(parts[i + 1]) + "'");
        }
        // reset() rebinds; assignment would overwrite the node in the tree.
        current.reset(const_current[parts[i]]);
    }
    current[parts.back()] = value;
    applied.push_back({key, text});
}

// Where each document of `text` starts, up to three. yaml-cpp 0.7's LoadAll
// never returns on a document that starts with a stray ',' (found by fuzzing):
// its parser reports an empty document without consuming the token, again
// and again, while memory grows. Counting with a cap, and noticing two starts
// at the same place, turns that into a syntax error.
std::vector<YAML::Mark> document_starts(const std::string& text) {
    class Counter final : public YAML::EventHandler {
      public:
        std::vector<YAML::Mark> starts;
        void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
        void OnDocumentEnd() override {}
        void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
        void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
        void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                      const std::string&) override {}
        void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                             YAML::EmitterStyle::value) override {}
        void OnSequenceEnd() override {}
        void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                        YAML::EmitterStyle::value) override {}
        void OnMapEnd() override {}
    };
    std::istringstream in(text);
    YAML::Parser parser(in);
    Counter counter;
    while (counter.starts.size() < 3 && parser.HandleNextDocument(counter)) {
    }
    return counter.starts;
}

std::string position(const YAML::Mark& mark) {
    return ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

YAML::Node parse(const std::string& text, const std::string& shown) {
    try {
        const std::vector<YAML::Mark> starts = document_starts(text);
        for (size_t i = 1; i < starts.size(); ++i) {
            if (starts[i].pos == starts[i - 1].pos) {
                const YAML::Mark& m = starts[i];
                const char c = static_cast<size_t>(m.pos) < text.size() ? text[m.pos] : ' ';
                throw Error(shown + position(m) + ": YAML syntax error: unexpected '" +
                            escape_text(std::string(1, c)) + "' where a value should start");
            }
        }
        if (starts.size() > 1) {
            throw Error(shown + ": expected one YAML document, found more (separated by ---)");
        }
        return YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw Error(shown + (e.mark.is_null() ? "" : position(e.mark)) +
                    ": YAML syntax error: " + escape_text(e.msg, kYamlMessageLength));
    }
}

// Whether config.yaml holds the key: the shorthand and model.layers exclude
// each other.
bool written(const Key& k, const Config& c) {
    return (k.form == Form::any || (k.form == Form::layers) == c.model.layers_given) &&
           (!k.applies || k.applies(c));
}

// A key given for another optimizer.kind or scheduler.kind would be silently
// unused: it is refused, naming the kind and the keys that kind takes.
void check_applicable(const Reader& r, const YAML::Node& root, const Config& c) {
    for (const Key& k : config_keys()) {
        if (!k.applies || k.applies(c)) {
            continue;
        }
        const YAML::Node node = node_at(root, k.path);
        if (node.is(root)) {
            continue;  // not given
        }
        const std::string section(k.path.substr(0, k.path.find('.')));
        const Key& kind = key_at(section + ".kind");
        std::vector<std::string_view> taken;
        for (const Key& other : config_keys()) {
            if (other.path.starts_with(section + ".") && &other != &kind &&
                (!other.applies || other.applies(c))) {
                taken.push_back(other.path.substr(section.size() + 1));
            }
        }
        r.fail(node, std::string(k.path),
               "is a key of " + section + ".kind " + std::string(k.applies_to) + ", not of " +
                   kind.write(c) + " (" + section + ".kind " + kind.write(c) + " takes " +
                   (taken.empty() ? std::string("no other keys") : join(taken)) + ")");
    }
}

// Every key of the document into `config`, through the table.
void read_keys(const Reader& r, const YAML::Node& root, Config& config) {
    std::string shorthand_path;  // the first shorthand key, to name in a conflict
    YAML::Node shorthand_node;
    const auto read_key = [&](const std::string& path, const YAML::Node& value) {
        const Key& k = key_at(path);
        if (k.form == Form::shorthand && shorthand_path.empty()) {
            shorthand_path = path;
            shorthand_node.reset(value);
        }
        k.read(r, value, path, config);
    };
    r.for_each(root, "", top_level_names(),
               [&](const std::string& top, const YAML::Node& value, const std::string& path) {
                   const std::vector<std::string_view> names = section_names(top);
                   if (names.empty()) {
                       read_key(path, value);
                       return;
                   }
                   r.for_each(value, path, names,
                              [&](const std::string&, const YAML::Node& v, const std::string& p) {
                                  read_key(p, v);
                              });
               });
    // Both forms at once would leave one silently unused.
    if (config.model.layers_given && !shorthand_path.empty()) {
        r.fail(shorthand_node, shorthand_path,
               "cannot be combined with model.layers (the shorthand hidden/activation/"
               "negative_slope/output/batchnorm/dropout builds the layers itself); remove one "
               "of them");
    }
}

std::string gib(double floats) {
    std::ostringstream out;
    out << std::fixed;
    out.precision(1);
    out << floats * 4 / double(int64_t{1} << 30) << " GiB";
    return out.str();
}

// The rules that span keys, once every key has its value.
void check(const Reader& r, const YAML::Node& root, Config& c) {
    if (c.data.kind == "csv" && c.data.path.empty()) {
        r.fail(node_at(root, "data.kind"), "data.kind",
               "csv requires data.path (the CSV file to read)");
    }
    check_applicable(r, root, c);
    const experiment::OptimizerConfig& o = c.optimizer;
    if (o.nesterov && (o.momentum <= 0 || o.dampening != 0)) {
        r.fail(node_at(root, "optimizer.nesterov"), "optimizer.nesterov",
               "true requires optimizer.momentum > 0 and optimizer.dampening 0, got momentum " +
                   format_number(o.momentum) + " and dampening " + format_number(o.dampening));
    }
    const auto& early = c.training.early_stopping;
    if (early && early->monitor != experiment::Monitor::train_loss && c.data.test_split == 0) {
        r.fail(node_at(root, "training.early_stopping"), "training.early_stopping.monitor",
               std::string(experiment::monitor_name(early->monitor)) +
                   " needs a test split, and data.test_split is 0; monitor train_loss or "
                   "hold out data");
    }
    // Refused here, before any data is made for a model that cannot be built.
    if (!models::has_model(c.model.kind)) {
        std::string known;
        for (const std::string& name : models::model_names()) {
            known += (known.empty() ? "" : ", ") + name;
        }
        r.fail(node_at(root, "model.kind"), "model.kind",
               "no model named '" + escape_text(c.model.kind) +
                   "' is registered (known: " + escape_text(known, kYamlMessageLength) +
                   "; a program adds its own with models::register_model)");
    }
    if (!c.model.layers_given) {
        c.model.layers = models::expand_shorthand(c.model);
    }
    // The data's feature and output counts are not known from the config
    // alone, so the shorthand's first and last layers count one of each: the
    // estimate is a lower bound, enough to refuse what can never fit.
    double parameters = 0;
    if (c.model.layers_given) {
        parameters = models::parameter_count(c.model.layers);
    } else if (c.model.kind == "mlp") {
        models::ModelSpec smallest = c.model;
        smallest.inputs = 1;
        smallest.outputs = 1;
        parameters = models::parameter_count(models::expand_shorthand(smallest));
    }
    if (parameters > kMaxParameters) {
        const std::string key = c.model.layers_given ? "model.layers" : "model.hidden";
        r.fail(node_at(root, key), key,
               "the model would have at least " + format_number(parameters) + " parameters (" +
                   gib(parameters) + " of float32 weights), over the limit of " +
                   format_number(kMaxParameters) + " (" + gib(kMaxParameters) +
                   "); use narrower or fewer layers");
    }
}

// The most combinations compare.grid may have: each holds a whole config,
// and each is trained once per activation and seed.
constexpr size_t kMaxGridPoints = 1'000;

// `value` in place of whatever `doc` holds at the dotted `path`, making the
// mappings on the way.
void put(YAML::Node doc, std::string_view path, const YAML::Node& value) {
    YAML::Node current = doc;
    for (size_t start = 0;;) {
        const size_t dot = path.find('.', start);
        const std::string part(path.substr(start, dot - start));
        if (dot == std::string_view::npos) {
            current[part] = value;
            return;
        }
        const YAML::Node& const_current = current;  // const: operator[] would add the key
        // A missing key reads as an invalid node, which only IsDefined may ask.
        const YAML::Node next = const_current[part];
        if (!next.IsDefined() || !next.IsMap()) {
            current[part] = YAML::Node(YAML::NodeType::Map);
        }
        current.reset(const_current[part]);
        start = dot + 1;
    }
}

// compare.grid into its points: each combination of the axes' values put
// into the document in place of the file's, and read through the same keys
// and checks as the file, so a value is checked where it is used and a bad
// one is named at its place in the grid. Each axis's values are then
// written as config.yaml writes that key.
void expand_grid(const Reader& r, const YAML::Node& root, Config& config) {
    std::vector<experiment::GridAxis>& axes = config.compare.grid;
    if (axes.empty()) {
        return;
    }
    const YAML::Node grid = node_at(root, "compare.grid");
    std::vector<std::string_view> keys;
    for (const Key& k : config_keys()) {
        if (k.path != "name" && !k.path.starts_with("compare.")) {
            keys.push_back(k.path);
        }
    }
    std::vector<YAML::Node> values;  // each axis's list
    size_t points = 1;
    for (const experiment::GridAxis& axis : axes) {
        const std::string path = "compare.grid." + axis.key;
        YAML::Node key_node;
        for (const auto& entry : grid) {
            if (entry.first.Scalar() == axis.key) {
                key_node.reset(entry.first);
                values.push_back(entry.second);
            }
        }
        if (std::find(keys.begin(), keys.end(), axis.key) == keys.end()) {
            r.fail(key_node, path,
                   "expected a config key to vary (not name or a compare key), got '" +
                       escape_text(axis.key) + "' (" + suggestion(axis.key, keys) +
                       "keys: " + join(keys) + ")");
        }
        if (r.overridden(axis.key)) {
            r.fail(key_node, path,
                   "varies " + axis.key + ", which a --set also gives: one would be unused");
        }
        points *= axis.values.size();
        if (points > kMaxGridPoints) {
            r.fail(grid, "compare.grid",
                   "expected at most " + std::to_string(kMaxGridPoints) +
                       " combinations of values, got more");
        }
    }
    std::vector<std::vector<std::string>> written(axes.size());
    for (size_t i = 0; i < axes.size(); ++i) {
        written[i].resize(axes[i].values.size());
    }
    for (size_t p = 0; p < points; ++p) {
        // The last axis varies fastest.
        std::vector<size_t> at(axes.size());
        for (size_t i = axes.size(), rest = p; i-- > 0; rest /= axes[i].values.size()) {
            at[i] = rest % axes[i].values.size();
        }
        auto point = std::make_shared<Config>();
        const auto read_point = [&](bool positioned) {
            YAML::Node doc = YAML::Clone(root);
            doc["compare"].remove("grid");
            for (size_t i = 0; i < axes.size(); ++i) {
                // Putting the grid's own node in merges its document's node
                // store into the copy's, which grows with every point; a
                // copy of the value has no line and column to name.
                const YAML::Node& value = values[i][at[i]];
                put(doc, axes[i].key, positioned ? value : YAML::Clone(value));
            }
            *point = Config{};
            point->file = config.file;
            point->name = config.name;
            read_keys(r, doc, *point);
            check(r, doc, *point);
        };
        try {
            read_point(false);
        } catch (const Error&) {
            read_point(true);  // again, to name the bad value where it is
            throw;
        }
        experiment::GridPoint made{.values = {}, .config = point};
        for (size_t i = 0; i < axes.size(); ++i) {
            std::string text = key_at(axes[i].key).write(*point);
            if (text.starts_with('\n')) {
                text = axes[i].values[at[i]];  // a block (model.layers): the grid's own text
            }
            written[i][at[i]] = text;
            made.values.push_back(std::move(text));
        }
        config.compare.grid_points.push_back(std::move(made));
    }
    for (size_t i = 0; i < axes.size(); ++i) {
        axes[i].values = written[i];
    }
}

// The config in `text`, as if read from `path`: relative paths are taken
// from its directory and the name defaults to its stem.
Config load_text(const std::string& text, const fs::path& path,
                 const std::vector<std::string>& overrides, const std::string& shown) {
    if (const std::optional<size_t> at = invalid_utf8(text)) {
        const size_t line_start =
            text.rfind('\n', *at) == std::string::npos ? 0 : text.rfind('\n', *at) + 1;
        const auto line = std::count(text.begin(), text.begin() + static_cast<long>(*at), '\n');
        throw Error(shown + ":" + std::to_string(line + 1) + ":" +
                    std::to_string(*at - line_start + 1) +
                    ": expected UTF-8 text (YAML is Unicode), got the byte " +
                    escape_text(text.substr(*at, 1)));
    }
    YAML::Node root = parse(text, shown);
    if (root.IsNull()) {
        throw Error(shown + ": the config is empty; expected a mapping with keys such as data, " +
                    "model, training");
    }
    if (!root.IsMap()) {
        throw Error(shown + position(root.Mark()) +
                    ": expected a mapping of keys at the top level (" + join(top_level_names()) +
                    "), got " + describe(root));
    }
    std::vector<Override> applied;
    for (const auto& o : overrides) {
        apply_override(root, o, shown, applied);
    }
    std::error_code ec;
    const fs::path absolute = fs::absolute(path, ec);
    if (ec) {
        throw Error(shown + ": cannot resolve the config's directory: " + ec.message());
    }

    const Reader r(shown, absolute.parent_path(), std::move(applied));
    Config config;
    config.file = path;
    config.name = path.stem().string();
    read_keys(r, root, config);
    if (config.name.empty()) {
        throw Error(shown + ": name: the config file has no stem to name the run; set name");
    }
    // A name from the file's stem passes the same check as one in the file.
    if (!is_run_name(config.name)) {
        throw Error(shown + ": name: the config file's stem " + run_name_shown(config.name) +
                    " cannot name the run: expected " + run_name_type() + "; set name");
    }
    check(r, root, config);
    expand_grid(r, root, config);
    return config;
}

}  // namespace

Config load_config(const fs::path& path, const std::vector<std::string>& overrides) {
    const std::string shown = escape_text(path.string(), kFileLength);
    try {
        return load_text(read_file(path, shown), path, overrides, shown);
    } catch (const YAML::Exception& e) {
        // Every expected problem is reported above; this keeps an unforeseen
        // yaml-cpp failure a one-line config error rather than a crash.
        throw Error(shown + ": cannot read the config: " + escape_text(e.msg, kYamlMessageLength));
    }
}

Config load_config_text(const std::string& text, const fs::path& as_if,
                        const std::vector<std::string>& overrides) {
    const std::string shown = escape_text(as_if.string(), kFileLength);
    if (text.size() > kMaxConfigBytes) {
        throw Error(shown + ": the config is " + std::to_string(text.size()) +
                    " bytes, more than the " + std::to_string(kMaxConfigBytes) +
                    " a config may have");
    }
    try {
        return load_text(text, as_if, overrides, shown);
    } catch (const YAML::Exception& e) {
        throw Error(shown + ": cannot read the config: " + escape_text(e.msg, kYamlMessageLength));
    }
}

std::string to_yaml(const Config& c) {
    std::ostringstream out;
    bool after_section = false;
    bool first = true;
    for (const std::string_view top : top_level_names()) {
        const std::vector<std::string_view> names = section_names(top);
        const bool section = !names.empty();
        // A blank line around each section, as a person would write it.
        if (!first && (section || after_section)) {
            out << "\n";
        }
        first = false;
        after_section = section;
        if (!section) {
            out << top << ": " << key_at(top).write(c) << "\n";
            continue;
        }
        out << top << ":\n";
        for (const std::string_view name : names) {
            const Key& k = key_at(std::string(top) + "." + std::string(name));
            if (!written(k, c)) {
                continue;
            }
            const std::string value = k.write(c);
            out << "  " << name << ":" << (value.starts_with('\n') ? "" : " ") << value << "\n";
        }
    }
    return out.str();
}

}  // namespace tinynn::cli
