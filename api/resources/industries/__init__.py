"""TOL 2008 industry sections: the labels of the company facets' industry_section keys."""
