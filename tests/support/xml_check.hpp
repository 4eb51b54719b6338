#pragma once

// A small well-formedness checker for the SVG (and any other XML) the program writes, so tests
// need no XML library. It covers what the writers use: an optional <?xml ?> declaration,
// processing instructions, comments, CDATA, a DOCTYPE without an internal subset, elements,
// attributes quoted with ' or ", and the entities &amp; &lt; &gt; &quot; &apos; &#NN; &#xNN;.
// Names are checked loosely (ASCII name characters; any byte >= 0x80 is accepted).

#include <cstddef>
#include <optional>
#include <string>

namespace tinynn::test {

// The first problem that keeps `text` from being well-formed XML (unbalanced or
// mismatched tags, unquoted attributes, a raw '<' or '&' that is not an entity,
// content after the root element), or nullopt. The message gives the byte offset.
std::optional<std::string> xml_error(const std::string& text);

// How many start tags carry attribute name="value" exactly. `value` is compared with the
// attribute's value after entity decoding, so data-series="a&lt;b" matches "a<b". Counts
// the tags before the first well-formedness error only.
size_t count_attribute(const std::string& text, const std::string& name, const std::string& value);

}  // namespace tinynn::test
