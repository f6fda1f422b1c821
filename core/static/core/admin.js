/* The admin's calendar and clock (Django's DateTimeShortcuts.js) open 17 px to the right of their
   icon, whatever the room: beside a date field near the right edge of a 1280 px window the
   calendar opened half outside it, and near the bottom it ran below. When Django has placed a
   box, it is moved left or up by as much as it overflows, and no further. A script file of our
   own: the Content-Security-Policy allows no inline script. */
'use strict';
{
    const MARGIN = 8;

    function keepInWindow(box) {
        if (box.style.display !== 'block') {
            return;
        }
        const rect = box.getBoundingClientRect();
        const right = document.documentElement.clientWidth - MARGIN;
        const bottom = window.innerHeight - MARGIN;
        // Django positions the box in page coordinates (position: absolute in <body>).
        if (rect.right > right) {
            box.style.left = Math.max(MARGIN, rect.left - (rect.right - right)) + window.scrollX + 'px';
        }
        if (rect.bottom > bottom) {
            box.style.top = Math.max(MARGIN, rect.top - (rect.bottom - bottom)) + window.scrollY + 'px';
        }
    }

    // Django sets left, top and then display on the box; this runs once it has done all three.
    const observer = new MutationObserver(function(mutations) {
        const boxes = new Set(mutations.map(function(mutation) { return mutation.target; }));
        boxes.forEach(function(box) {
            if (box.matches('.calendarbox, .clockbox')) {
                keepInWindow(box);
            }
        });
    });
    observer.observe(document.body, {attributes: true, attributeFilter: ['style'], subtree: true});
}

/* What the admin's own widgets draw without a name for a screen reader (axe-core finds each;
   tests/test_accessibility_browser.py), named after they draw it, as they draw it again:
   - Select2 (the search-as-you-type fields, such as a measure's 所管課): the search box of a
     multiple choice has no label, a single choice's box has no name while nothing is chosen, and
     its "clear all" × is a <span> inside the <ul> of choices. The box is named by the field's
     label, and the ×, which only a mouse uses, is hidden from screen readers (the keyboard
     removes a choice with Backspace);
   - the two lists of a many-to-many field (a purpose's keywords): the magnifier icons carry
     their text in aria-label on a <span> of no role, which makes them images. */
{
    function labelOf(select) {
        const label = select.id && document.querySelector('label[for="' + select.id + '"]');
        if (!label) {
            return null;
        }
        if (!label.id) {
            label.id = select.id + '_label';
        }
        return label;
    }

    function nameSelect2(container) {
        const select = container.previousElementSibling;
        const label = select && select.tagName === 'SELECT' ? labelOf(select) : null;
        if (label) {
            const name = label.textContent.trim().replace(/[:：]$/, '');
            container.querySelectorAll('.select2-search__field:not([aria-label])').forEach(function(input) {
                input.setAttribute('aria-label', name);
            });
            container.querySelectorAll('.select2-selection--single').forEach(function(box) {
                const rendered = box.querySelector('.select2-selection__rendered');
                const ids = label.id + (rendered && rendered.id ? ' ' + rendered.id : '');
                if (box.getAttribute('aria-labelledby') !== ids) {
                    box.setAttribute('aria-labelledby', ids);
                }
                if (rendered && rendered.getAttribute('aria-labelledby') !== label.id) {
                    rendered.setAttribute('aria-labelledby', label.id);
                }
            });
        }
        container.querySelectorAll('.select2-selection__clear:not([aria-hidden])').forEach(function(clear) {
            clear.setAttribute('aria-hidden', 'true');
        });
    }

    function nameWidgets() {
        document.querySelectorAll('.select2-container').forEach(nameSelect2);
        document.querySelectorAll('.search-label-icon[aria-label]:not([role])').forEach(function(icon) {
            icon.setAttribute('role', 'img');
        });
    }

    // Select2 starts on DOMContentLoaded, the two lists on load, and both draw again on a change.
    new MutationObserver(nameWidgets).observe(document.body, {childList: true, subtree: true});
    nameWidgets();
}
