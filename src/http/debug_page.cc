// debug_page.cc: renders the debug page's snapshot as HTML (Go's template, extended) and JSON.
// Names come from users' registrations, so the HTML escapes every one of them.
#include "http/debug_page.h"

#include <boost/json.hpp>
#include <cstdio>

namespace netrpc::http {
namespace {

std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Latency reads as Go prints short durations: "850ns", "12.5µs", "3.1ms", "2.0s".
std::string Latency(int64_t ns) {
  if (ns == 0) return "-";
  char buf[32];
  if (ns < 1000) {
    std::snprintf(buf, sizeof buf, "%lldns", static_cast<long long>(ns));
  } else if (ns < 1000000) {
    std::snprintf(buf, sizeof buf, "%.1fµs", static_cast<double>(ns) / 1e3);
  } else if (ns < 1000000000) {
    std::snprintf(buf, sizeof buf, "%.1fms", static_cast<double>(ns) / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ns) / 1e9);
  }
  return buf;
}

}  // namespace

std::string DebugHtml(const server::StatsSnapshot& stats, int refresh_seconds) {
  std::string h;
  h += "<html>\n\t<head>\n\t<meta charset=\"utf-8\">\n\t<meta http-equiv=\"refresh\" content=\"" +
       std::to_string(refresh_seconds) + "\">\n\t<title>Services</title>\n\t</head>\n\t<body>\n";
  for (const auto& service : stats.services) {
    h += "\t<hr>\n\tService " + Escape(service.name) + "\n\t<hr>\n\t\t<table>\n";
    h += "\t\t<th align=center>Method</th><th align=center>Calls</th>"
         "<th align=center>In flight</th><th align=center>Errors</th>"
         "<th align=center>p50</th><th align=center>p99</th>\n";
    for (const auto& m : service.methods) {
      h += "\t\t\t<tr class=\"method\">\n\t\t\t<td align=left font=fixed>" + Escape(m.name) + "(" +
           Escape(m.args_type) + ", " + Escape(m.reply_type) + ") error</td>\n";
      h += "\t\t\t<td align=center class=\"calls\">" + std::to_string(m.calls) + "</td>";
      h += "<td align=center>" + std::to_string(m.in_flight) + "</td>";
      h += "<td align=center>" + std::to_string(m.errors) + "</td>";
      h += "<td align=center>" + Latency(m.p50_ns) + "</td>";
      h += "<td align=center>" + Latency(m.p99_ns) + "</td>\n\t\t\t</tr>\n";
    }
    h += "\t\t</table>\n";
  }
  h += "\t<hr>\n\tConnections\n\t<hr>\n\t\t<table>\n";
  h += "\t\t<th align=center>Protocol</th><th align=center>Open</th>"
       "<th align=center>Total</th><th align=center>Bytes in</th>"
       "<th align=center>Bytes out</th>\n";
  for (const auto& p : stats.protocols) {
    h += "\t\t\t<tr class=\"protocol\"><td align=left>" + Escape(p.name) +
         "</td><td align=center>" + std::to_string(p.open) + "</td><td align=center>" +
         std::to_string(p.total) + "</td><td align=center>" + std::to_string(p.bytes_in) +
         "</td><td align=center>" + std::to_string(p.bytes_out) + "</td></tr>\n";
  }
  h += "\t\t</table>\n\t</body>\n\t</html>\n";
  return h;
}

std::string DebugJson(const server::StatsSnapshot& stats) {
  boost::json::object root;
  boost::json::array services;
  for (const auto& service : stats.services) {
    boost::json::array methods;
    for (const auto& m : service.methods) {
      methods.push_back({{"name", m.name},
                         {"args", m.args_type},
                         {"reply", m.reply_type},
                         {"calls", m.calls},
                         {"in_flight", m.in_flight},
                         {"errors", m.errors},
                         {"p50_ns", m.p50_ns},
                         {"p99_ns", m.p99_ns}});
    }
    services.push_back({{"name", service.name}, {"methods", std::move(methods)}});
  }
  boost::json::array protocols;
  for (const auto& p : stats.protocols) {
    protocols.push_back({{"name", p.name},
                         {"open", p.open},
                         {"total", p.total},
                         {"bytes_in", p.bytes_in},
                         {"bytes_out", p.bytes_out}});
  }
  root["services"] = std::move(services);
  root["protocols"] = std::move(protocols);
  return boost::json::serialize(root);
}

}  // namespace netrpc::http
