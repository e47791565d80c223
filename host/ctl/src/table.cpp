#include "plexus/ctl/table.h"

#include <algorithm>

namespace plexus::ctl {

Table::Table(std::vector<Column> columns) : m_columns(std::move(columns)) {}

void Table::addRow(std::vector<std::string> cells) {
  cells.resize(m_columns.size());
  m_rows.push_back(std::move(cells));
}

std::string Table::render() const {
  std::vector<std::size_t> widths;
  for (const auto& column : m_columns)
    widths.push_back(column.header.size());
  for (const auto& row : m_rows) {
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  auto emit = [&](auto cellAt) {
    std::string line;
    for (std::size_t i = 0; i < m_columns.size(); ++i) {
      const std::string& cell = cellAt(i);
      const std::string pad(widths[i] - cell.size(), ' ');
      if (i > 0) line += "  ";
      line += m_columns[i].align == Align::Right ? pad + cell : cell + pad;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  };
  emit([&](std::size_t i) -> const std::string& { return m_columns[i].header; });
  for (const auto& row : m_rows)
    emit([&](std::size_t i) -> const std::string& { return row[i]; });
  return out;
}

}  // namespace plexus::ctl
