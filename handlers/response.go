package handlers

// renderAll renders every item of a list, in order, as its response type.
// An empty list renders as [] (make, never a nil slice that would be null).
func renderAll[T, J any](list []T, render func(*T) J) []J {
	out := make([]J, len(list))
	for i := range list {
		out[i] = render(&list[i])
	}
	return out
}
