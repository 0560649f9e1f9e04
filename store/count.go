package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/vigil-safeguarding/vigil"
)

// CountPupils returns how many pupils are on the school's roll and how many
// of them carry each flag.
func (s *Store) CountPupils(ctx context.Context) (onRoll int, byFlag map[vigil.Flag]int, err error) {
	tx, err := s.begin(ctx, false)
	if err != nil {
		return 0, nil, err
	}
	defer tx.Rollback()
	if err := tx.needSchool(); err != nil {
		return 0, nil, err
	}
	sums := make([]string, len(flagColumns))
	for i, c := range flagColumns {
		sums[i] = "coalesce(sum(CASE WHEN " + c + " THEN 1 ELSE 0 END), 0)"
	}
	counts := make([]int, len(flagColumns))
	dest := []any{&onRoll}
	for i := range counts {
		dest = append(dest, &counts[i])
	}
	err = tx.queryRow(ctx, "SELECT count(*), "+strings.Join(sums, ", ")+" FROM pupils WHERE school_id = ? AND on_roll = ?", tx.school, true).Scan(dest...)
	if err != nil {
		return 0, nil, fmt.Errorf("count pupils: %w", wrapErr(tx.d, err, "count pupils"))
	}
	byFlag = map[vigil.Flag]int{}
	for i, f := range vigil.Flags {
		byFlag[f] = counts[i]
	}
	return onRoll, byFlag, tx.Commit()
}
