"""nbgrader's ``OverwriteCells`` with ``add_missing_cells`` that also works when
neighbouring cells were deleted too (nbgrader 0.9.6 raises KeyError)."""

from nbgrader.preprocessors import OverwriteCells

from dlcourse.preprocessors.grading_record import GradingRecord

__all__ = ["RestoreCells"]


class RestoreCells(OverwriteCells, GradingRecord):
    """``OverwriteCells`` whose restoring of deleted test cells never fails.

    A missing grade cell goes right after the nearest cell that precedes it in the
    source notebook and is still present (the top when none is).
    """

    def preprocess(self, nb, resources):
        # DeduplicateIds leaves ``"nbgrader": {}`` on the earlier copies of a duplicated
        # cell, which nbgrader's own add_missing_task_cells trips over (KeyError)
        for cell in nb.cells:
            if cell.get("metadata", {}).get("nbgrader", None) == {}:
                del cell.metadata["nbgrader"]
        return super().preprocess(nb, resources)

    def add_missing_task_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = {cell.name: cell for cell in source_nb.source_cells}
        present = {cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                   for cell in nb.cells}
        for task_cell in source_nb.task_cells:
            if task_cell.name not in present and task_cell.name in source_cells:
                nb.cells.append(self.missing_cell_transform(
                    source_cells[task_cell.name], task_cell.max_score, is_task=True))
        return nb, resources

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = {cell.name: cell for cell in source_nb.source_cells}
        order = self._source_order(self.assignment_id, self.notebook_id) or list(source_cells)
        solution_names = {cell.name for cell in source_nb.solution_cells}
        grade_cells = {cell.name: cell for cell in source_nb.grade_cells}
        for name in [n for n in order if n in grade_cells] + \
                sorted(set(grade_cells) - set(order)):
            present = {c.metadata["nbgrader"]["grade_id"]: i for i, c in enumerate(nb.cells)
                       if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")}
            if name in present or name not in source_cells:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", name)
            position = 0
            if name in order:
                earlier = [n for n in order[:order.index(name)] if n in present]
                if earlier:
                    position = present[earlier[-1]] + 1
            new_cell = self.missing_cell_transform(
                source_cells[name], grade_cells[name].max_score,
                is_solution=name in solution_names)
            nb.cells.insert(position, new_cell)
        return nb, resources
