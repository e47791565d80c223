#pragma once

// A plain-text table for the human output: a header row, columns two spaces apart, numbers
// right-aligned, no trailing spaces (so the output diffs and greps cleanly).

#include <string>
#include <vector>

namespace plexus::ctl {

class Table {
 public:
  enum class Align { Left, Right };
  struct Column {
    std::string header;
    Align align = Align::Left;
  };

  explicit Table(std::vector<Column> columns);

  // Missing cells are blank; extra cells are ignored.
  void addRow(std::vector<std::string> cells);
  std::string render() const;

 private:
  std::vector<Column> m_columns;
  std::vector<std::vector<std::string>> m_rows;
};

}  // namespace plexus::ctl
