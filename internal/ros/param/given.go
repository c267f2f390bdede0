package param

// Given reports whether the user gave name a value (in a file or an
// override) rather than leaving it at its default: a setting a model card
// later replaces is worth a warning only when the user chose it.
func (s *Set) Given(name string) bool {
	_, ok := s.values[name]
	return ok
}
