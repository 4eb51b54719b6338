#include "support/xml_check.hpp"

#include <cstdint>
#include <functional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace tinynn::test {
namespace {

struct Attribute {
    std::string name, value;  // value decoded
};

struct StartTag {
    std::string name;
    std::vector<Attribute> attributes;
};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_name_start(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || u >= 0x80;
}

bool is_name_char(char c) {
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Thrown by the scanner: the simplest way out of the nested parsing at the first error.
struct Malformed {
    std::string message;
};

// Walks the document once, calling `on_start` for every start tag; stops at the first
// error, which it returns.
class Scanner {
  public:
    Scanner(const std::string& text, std::function<void(const StartTag&)> on_start)
        : text_(text), on_start_(std::move(on_start)) {}

    std::optional<std::string> run() {
        try {
            document();
        } catch (const Malformed& e) {
            return "at offset " + std::to_string(pos_) + ": " + e.message;
        }
        return std::nullopt;
    }

  private:
    const std::string& text_;
    std::function<void(const StartTag&)> on_start_;
    size_t pos_ = 0;
    std::vector<std::string> open_;  // element names not yet closed
    bool root_done_ = false;

    bool at(std::string_view s) const { return text_.compare(pos_, s.size(), s) == 0; }
    bool done() const { return pos_ >= text_.size(); }
    [[noreturn]] void fail(const std::string& message) const { throw Malformed{message}; }

    void skip_space() {
        while (!done() && is_space(text_[pos_]))
            ++pos_;
    }

    // Moves past the next `end`, which must exist.
    void skip_past(std::string_view end, const std::string& what) {
        const size_t found = text_.find(end, pos_);
        if (found == std::string::npos)
            fail("unterminated " + what);
        pos_ = found + end.size();
    }

    void document() {
        if (at("\xEF\xBB\xBF"))  // a UTF-8 byte order mark
            pos_ += 3;
        while (!done()) {
            if (text_[pos_] == '<')
                markup();
            else
                character_data();
        }
        if (!open_.empty())
            fail("<" + open_.back() + "> is never closed");
        if (!root_done_)
            fail("no root element");
    }

    void markup() {
        if (at("<?")) {
            skip_past("?>", "processing instruction");
        } else if (at("<!--")) {
            const size_t start = pos_ + 4;
            skip_past("-->", "comment");
            if (text_.substr(start, pos_ - 3 - start).find("--") != std::string::npos)
                fail("'--' inside a comment");
        } else if (at("<![CDATA[")) {
            if (open_.empty())
                fail("CDATA outside the root element");
            skip_past("]]>", "CDATA section");
        } else if (at("<!DOCTYPE")) {
            if (!open_.empty() || root_done_)
                fail("DOCTYPE after the root element started");
            skip_past(">", "DOCTYPE");
        } else if (at("</")) {
            end_tag();
        } else {
            start_tag();
        }
    }

    std::string name() {
        if (done() || !is_name_start(text_[pos_]))
            fail("expected a name");
        const size_t start = pos_;
        while (!done() && is_name_char(text_[pos_]))
            ++pos_;
        return text_.substr(start, pos_ - start);
    }

    // An entity or character reference starting at '&'; appends its text to `out`.
    void reference(std::string& out) {
        const size_t semicolon = text_.find(';', pos_);
        if (semicolon == std::string::npos || semicolon - pos_ > 12)
            fail("'&' that does not start an entity");
        const std::string body = text_.substr(pos_ + 1, semicolon - pos_ - 1);
        static const std::pair<const char*, const char*> kNamed[] = {
            {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}};
        bool known = false;
        for (const auto& [entity, replacement] : kNamed) {
            if (body == entity) {
                out += replacement;
                known = true;
            }
        }
        if (!known && body.size() >= 2 && body[0] == '#') {
            const bool hex = body[1] == 'x';
            const std::string digits = body.substr(hex ? 2 : 1);
            const char* allowed = hex ? "0123456789abcdefABCDEF" : "0123456789";
            if (digits.empty() || digits.size() > 8 ||
                digits.find_first_not_of(allowed) != std::string::npos)
                fail("bad character reference &" + body + ";");
            const uint32_t cp = static_cast<uint32_t>(std::stoul(digits, nullptr, hex ? 16 : 10));
            const bool valid = cp == 0x9 || cp == 0xA || cp == 0xD ||
                               (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
                               (cp >= 0x10000 && cp <= 0x10FFFF);
            if (!valid)
                fail("character reference &" + body + "; is not an XML character");
            append_utf8(out, cp);
            known = true;
        }
        if (!known)
            fail("unknown entity &" + body + ";");
        pos_ = semicolon + 1;
    }

    void start_tag() {
        if (root_done_)
            fail("content after the root element");
        ++pos_;  // '<'
        StartTag tag;
        tag.name = name();
        std::set<std::string> seen;
        while (true) {
            const size_t before = pos_;
            skip_space();
            if (done())
                fail("unterminated start tag <" + tag.name + ">");
            if (at("/>") || at(">"))
                break;
            if (pos_ == before)
                fail("expected a space before an attribute of <" + tag.name + ">");
            Attribute a;
            a.name = name();
            if (!seen.insert(a.name).second)
                fail("attribute " + a.name + " given twice");
            skip_space();
            if (!at("="))
                fail("attribute " + a.name + " has no value");
            ++pos_;
            skip_space();
            if (done() || (text_[pos_] != '"' && text_[pos_] != '\''))
                fail("the value of attribute " + a.name + " is not quoted");
            const char quote = text_[pos_++];
            while (!done() && text_[pos_] != quote) {
                if (text_[pos_] == '<')
                    fail("'<' inside the value of attribute " + a.name);
                if (text_[pos_] == '&')
                    reference(a.value);
                else
                    a.value += text_[pos_++];
            }
            if (done())
                fail("unterminated value of attribute " + a.name);
            ++pos_;  // closing quote
            tag.attributes.push_back(std::move(a));
        }
        const bool empty = at("/>");
        pos_ += empty ? 2 : 1;
        on_start_(tag);
        if (empty)
            root_done_ = open_.empty();
        else
            open_.push_back(tag.name);
    }

    void end_tag() {
        pos_ += 2;
        const std::string tag = name();
        skip_space();
        if (!at(">"))
            fail("malformed end tag </" + tag + ">");
        if (open_.empty())
            fail("</" + tag + "> closes nothing");
        if (open_.back() != tag)
            fail("</" + tag + "> closes <" + open_.back() + ">");
        ++pos_;
        open_.pop_back();
        root_done_ = open_.empty();
    }

    void character_data() {
        std::string ignored;
        while (!done() && text_[pos_] != '<') {
            const char c = text_[pos_];
            if (open_.empty() && !is_space(c))
                fail(root_done_ ? "content after the root element"
                                : "text before the root element");
            if (c == '&')
                reference(ignored);
            else if (at("]]>"))
                fail("']]>' in text");
            else
                ++pos_;
        }
    }
};

}  // namespace

std::optional<std::string> xml_error(const std::string& text) {
    return Scanner(text, [](const StartTag&) {}).run();
}

size_t count_attribute(const std::string& text, const std::string& name, const std::string& value) {
    size_t count = 0;
    Scanner(text, [&](const StartTag& tag) {
        for (const Attribute& a : tag.attributes)
            count += a.name == name && a.value == value ? 1 : 0;
    }).run();
    return count;
}

}  // namespace tinynn::test
